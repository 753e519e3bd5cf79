from django.db.models import Q
from django_filters import rest_framework as filters
from rest_framework import mixins, serializers, viewsets

from kepu.core.api import PolicyPermission
from kepu.regions.models import Region
from kepu.regions.policies import region_policy
from kepu.regions.querysets import subtree_q

from . import services
from .models import Unit, UnitType
from .policies import unit_policy


class UnitFilter(filters.FilterSet):
    region = filters.CharFilter(method="in_region", help_text="区划代码：该区划及其所有下级区划中的单位")
    type = filters.MultipleChoiceFilter(choices=UnitType.choices)
    q = filters.CharFilter(method="search", help_text="名称或别名包含")

    class Meta:
        model = Unit
        fields = ["region", "type", "q"]

    def in_region(self, queryset, name, value):
        region = Region.objects.filter(code=value.strip()).only("path").first()
        if region is None:
            return queryset.none()
        return queryset.filter(subtree_q([region.path], field="region__path"))

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(name__icontains=value) | Q(aliases__icontains=value)) if value else queryset


class UnitSerializer(serializers.ModelSerializer):
    region = serializers.SlugRelatedField(slug_field="code", queryset=Region.objects.all())
    parent = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all(), allow_null=True, required=False)
    full_name = serializers.CharField(read_only=True)

    class Meta:
        model = Unit
        fields = ["id", "name", "full_name", "type", "region", "parent", "aliases", "contact_name",
                  "contact_phone", "email", "address", "is_demo"]
        read_only_fields = ["id", "is_demo"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            # Only regions and units the caller may see can be referred to.
            self.fields["region"].queryset = region_policy.visible_to(request.user)
            self.fields["parent"].queryset = unit_policy.visible_to(request.user)


class UnitViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                  mixins.UpdateModelMixin, viewsets.GenericViewSet):
    """Units the caller may see."""

    policy = unit_policy
    permission_classes = [PolicyPermission]
    filterset_class = UnitFilter
    serializer_class = UnitSerializer

    def get_queryset(self):
        return unit_policy.visible_to(self.request.user).select_related("region", "parent").order_by("region__path", "name", "id")

    def perform_create(self, serializer):
        serializer.instance = services.unit_create(actor=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.unit_update(
            actor=self.request.user, unit=serializer.instance, **serializer.validated_data
        )
