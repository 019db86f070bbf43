import marshmallow as ma
from flask.views import MethodView

from checklists.industries import INDUSTRIES

from ..core.http import ID_CONVERTER, Blueprint, IdField, paginate_select
from ..core.scope import current_user, get_visible, require_enterprise_in_scope
from ..models import Department
from . import services as service

blp = Blueprint(
    "departments",
    __name__,
    url_prefix="/api/v1/departments",
    description="行业主管部门 (sector departments: industries × territory)",
)


class DepartmentSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=100))
    industries = ma.fields.List(
        ma.fields.String(validate=ma.validate.OneOf(list(INDUSTRIES))),
        required=True,
        validate=ma.validate.Length(min=1, max=len(INDUSTRIES)),
        metadata={"description": "Industry codes; industry_trade covers its sub-industries"},
    )
    jurisdiction_id = IdField(required=True, metadata={"description": "The territory's root"})
    assigned_enterprise_ids = ma.fields.Function(
        service.assigned_enterprise_ids,
        dump_only=True,
        metadata={"description": "Enterprises assigned by name, whatever their industry"},
    )
    created_at = ma.fields.AwareDateTime(dump_only=True)


class DepartmentUpdateSchema(ma.Schema):
    name = ma.fields.String(validate=ma.validate.Length(min=1, max=100))
    industries = ma.fields.List(
        ma.fields.String(validate=ma.validate.OneOf(list(INDUSTRIES))),
        validate=ma.validate.Length(min=1, max=len(INDUSTRIES)),
    )
    jurisdiction_id = IdField()


class SupervisedEnterpriseSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    industry = ma.fields.String()
    jurisdiction_id = ma.fields.Integer()


class DepartmentQuery(ma.Schema):
    enterprise_id = IdField(
        strict=False, metadata={"description": "Only the departments supervising this enterprise"}
    )


@blp.route("")
class Departments(MethodView):
    @blp.arguments(DepartmentQuery, location="query")
    @blp.response(200, DepartmentSchema(many=True))
    @blp.paginate()
    def get(self, query, pagination_parameters):
        """Departments in the caller's scope (an enterprise falls under several)"""
        user = current_user()
        stmt = service.department_query(user)
        if "enterprise_id" in query:
            enterprise = require_enterprise_in_scope(user, query["enterprise_id"], "enterprise_id")
            stmt = service.supervising_departments(user, enterprise)
        return paginate_select(stmt, pagination_parameters)

    @blp.arguments(DepartmentSchema)
    @blp.response(201, DepartmentSchema)
    def post(self, data):
        """Create a department (admin, territory in scope)"""
        return service.create_department(current_user(), **data)


@blp.route(f"/<{ID_CONVERTER}:department_id>")
class DepartmentById(MethodView):
    @blp.response(200, DepartmentSchema)
    def get(self, department_id):
        """Get a department"""
        return get_visible(Department, department_id)

    @blp.arguments(DepartmentUpdateSchema)
    @blp.response(200, DepartmentSchema)
    def patch(self, data, department_id):
        """Change a department's name, industries or territory (admin)"""
        user = current_user()
        return service.update_department(user, get_visible(Department, department_id, user), **data)


@blp.route(f"/<{ID_CONVERTER}:department_id>/enterprises")
class SupervisedEnterprises(MethodView):
    @blp.response(200, SupervisedEnterpriseSchema(many=True))
    @blp.paginate()
    def get(self, department_id, pagination_parameters):
        """The enterprises the department supervises"""
        department = get_visible(Department, department_id)
        return paginate_select(service.supervised_enterprises(department), pagination_parameters)


@blp.route(f"/<{ID_CONVERTER}:department_id>/enterprises/<{ID_CONVERTER}:enterprise_id>")
class AssignedEnterprise(MethodView):
    @blp.response(204)
    def put(self, department_id, enterprise_id):
        """Assign an enterprise to the department by name (admin; in its territory)"""
        user = current_user()
        service.assign_enterprise(user, get_visible(Department, department_id, user), enterprise_id)

    @blp.response(204)
    def delete(self, department_id, enterprise_id):
        """Withdraw an assignment by name (admin)"""
        user = current_user()
        service.unassign_enterprise(
            user, get_visible(Department, department_id, user), enterprise_id
        )
