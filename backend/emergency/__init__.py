"""The enterprise's emergency plans and drills, and the drill due rule (seed 004 item 17)."""
