from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from kepu.core.api import PolicyPermission
from kepu.orgs.policies import unit_policy
from kepu.regions.policies import region_policy

from . import services
from .models import Role, RoleAssignment, User
from .policies import role_assignment_policy
from .scope import scope_of


class GrantSerializer(serializers.Serializer):
    role = serializers.CharField()
    region = serializers.CharField(allow_null=True)
    region_name = serializers.CharField()
    unit = serializers.IntegerField(allow_null=True)
    unit_name = serializers.CharField()


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    display_name = serializers.CharField()
    phone = serializers.CharField(allow_null=True)
    platform_admin = serializers.BooleanField()
    roles = GrantSerializer(many=True)


class MeView(APIView):
    """The caller's account and role assignments."""

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        scope = scope_of(request.user)
        codes = dict(
            region_policy.visible_to(request.user)
            .filter(pk__in=[g.region_id for g in scope.grants]).values_list("pk", "code")
        )
        roles = [
            {"role": g.role, "region": codes.get(g.region_id), "region_name": g.region_name,
             "unit": g.unit_id, "unit_name": g.unit_name}
            for g in scope.grants
        ]
        user = request.user
        return Response(MeSerializer({
            "username": user.username, "display_name": user.display_name, "phone": user.phone,
            "platform_admin": scope.platform_admin, "roles": roles,
        }).data)


class RoleAssignmentSerializer(serializers.ModelSerializer):
    user = serializers.SlugRelatedField(slug_field="username", queryset=User.objects.all())
    region = serializers.CharField(source="region.code", allow_null=True, required=False, default=None)
    unit = serializers.IntegerField(source="unit.pk", allow_null=True, required=False, default=None)
    role = serializers.ChoiceField(choices=Role.choices)

    class Meta:
        model = RoleAssignment
        fields = ["id", "user", "role", "region", "unit", "created_at"]
        read_only_fields = ["id", "created_at"]


class RoleAssignmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                            mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """Role assignments inside the caller's subtrees (region admins and platform admins)."""

    policy = role_assignment_policy
    permission_classes = [PolicyPermission]
    serializer_class = RoleAssignmentSerializer
    policy_actions = {"DELETE": "revoke"}
    filterset_fields = ["role"]

    def get_queryset(self):
        return role_assignment_policy.visible_to(self.request.user).order_by("id")

    def perform_create(self, serializer):
        data = serializer.validated_data
        region_code = (data.get("region") or {}).get("code")
        unit_id = (data.get("unit") or {}).get("pk")
        region = region_policy.get_visible(self.request.user, code=region_code) if region_code else None
        unit = unit_policy.get_visible(self.request.user, pk=unit_id) if unit_id else None
        serializer.instance = services.role_grant(
            actor=self.request.user, user=data["user"], role=data["role"], region=region, unit=unit
        )

    def perform_destroy(self, instance):
        services.role_revoke(actor=self.request.user, assignment=instance)
