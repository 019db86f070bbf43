"""Production-safety accidents (生产安全事故): facts, level, reporting and investigation."""
