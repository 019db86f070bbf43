import json

from backend.core.problems import PROBLEM_MIME
from backend.demo import demo_uscc


def _body(jurisdiction, **fields):
    body = {
        "name": "南宁示例化工有限公司",
        "uscc": demo_uscc(123),
        "industry": "hazardous_chemicals",
        "scale": "above_scale",
        "jurisdiction_id": jurisdiction.id,
        "address": "示范路1号",
        "business_registration_no": "450100000012345",
        "registration_type": "有限责任公司",
        "competent_department": "应急管理局",
        "business_scope": "危险化学品生产",
        "principal_name": "张三",
        "safety_department": "安全环保部",
        "safety_manager_name": "李四",
        "safety_staff_count": 3,
        "employee_count": 120,
        "special_operation_staff_count": 8,
        "major_hazard_sources": ["液氯储罐区（一级）"],
        "special_equipment": ["压力容器 4 台"],
        "risk_features": ["major_hazard_source"],
        "standardisation_grade": "grade2",
        "risk_class": "major",
    }
    body.update(fields)
    return body


def test_create_enterprise_with_base_database_fields(
    client, make_jurisdiction, make_user, auth_header
):
    district = make_jurisdiction()
    headers = auth_header(make_user("supervisor", jurisdiction=district))
    response = client.post("/api/v1/enterprises", json=_body(district), headers=headers)
    assert response.status_code == 201, response.json
    created = response.json
    fetched = client.get(f"/api/v1/enterprises/{created['id']}", headers=headers).json
    assert fetched["safety_code_color"] == "green"  # no hazards yet
    for key, value in _body(district).items():
        assert fetched[key] == value


def test_bad_uscc_is_422_naming_the_field(client, make_jurisdiction, make_user, auth_header):
    district = make_jurisdiction()
    headers = auth_header(make_user("admin"))
    good = demo_uscc(5)
    wrong_check = good[:17] + ("1" if good[17] != "1" else "2")
    response = client.post(
        "/api/v1/enterprises", json=_body(district, uscc=wrong_check), headers=headers
    )
    assert response.status_code == 422
    assert response.mimetype == PROBLEM_MIME
    assert [error["field"] for error in response.json["errors"]] == ["uscc"]
    assert "uscc" in response.json["detail"]


def test_lowercase_uscc_is_normalised(client, make_jurisdiction, make_user, auth_header):
    district = make_jurisdiction()
    headers = auth_header(make_user("admin"))
    code = demo_uscc(77)
    response = client.post(
        "/api/v1/enterprises", json=_body(district, uscc=code.lower()), headers=headers
    )
    assert response.status_code == 201
    assert response.json["uscc"] == code


def test_duplicate_uscc_is_409(client, make_enterprise, make_user, auth_header):
    existing = make_enterprise()
    headers = auth_header(make_user("admin"))
    body = _body(existing.jurisdiction, uscc=existing.uscc)
    response = client.post("/api/v1/enterprises", json=body, headers=headers)
    assert response.status_code == 409
    assert response.json["errors"][0]["field"] == "uscc"


def test_unknown_industry_and_negative_counts_are_refused(
    client, make_jurisdiction, make_user, auth_header
):
    district = make_jurisdiction()
    headers = auth_header(make_user("admin"))
    body = _body(district, industry="banking", employee_count=-1)
    response = client.post("/api/v1/enterprises", json=body, headers=headers)
    assert response.status_code == 422
    assert {e["field"] for e in response.json["errors"]} == {"industry", "employee_count"}


def test_filters_and_pagination(client, make_jurisdiction, make_enterprise, make_user, auth_header):
    district = make_jurisdiction()
    street = make_jurisdiction("street", district)
    grid = make_jurisdiction("grid", street)
    other_street = make_jurisdiction("street", district)
    make_enterprise(grid, name="钢厂", industry="industry_trade.metallurgy")
    make_enterprise(grid, name="水泥厂", industry="industry_trade.building_materials")
    make_enterprise(other_street, name="燃气公司", industry="urban_gas", scale="below_scale")
    headers = auth_header(make_user("admin"))

    def names(query):
        response = client.get(f"/api/v1/enterprises?{query}", headers=headers)
        assert response.status_code == 200
        return {item["name"] for item in response.json}

    assert names("industry=industry_trade") == {"钢厂", "水泥厂"}
    assert names("industry=industry_trade.metallurgy") == {"钢厂"}
    assert names(f"jurisdiction_id={street.id}") == {"钢厂", "水泥厂"}
    assert names("scale=below_scale") == {"燃气公司"}
    assert names("q=水泥") == {"水泥厂"}

    page = client.get(
        f"/api/v1/enterprises?jurisdiction_id={district.id}&page=2&page_size=2", headers=headers
    )
    assert len(page.json) == 1
    pagination = json.loads(page.headers["X-Pagination"])
    assert pagination["total"] == 3
    assert pagination["total_pages"] == 2


def test_page_size_over_maximum_is_422(client, make_user, auth_header):
    headers = auth_header(make_user("admin"))
    response = client.get("/api/v1/enterprises?page_size=1000", headers=headers)
    assert response.status_code == 422
    assert response.json["errors"][0]["field"] == "page_size"


def test_search_treats_wildcards_literally(client, make_enterprise, make_user, auth_header):
    make_enterprise(name="百分之百公司")
    headers = auth_header(make_user("admin"))
    response = client.get("/api/v1/enterprises?q=%25", headers=headers)
    assert response.json == []
