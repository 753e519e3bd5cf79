from django.db.models import Q
from django_filters import rest_framework as filters
from rest_framework import mixins, serializers, viewsets

from kepu.core.api import PolicyPermission

from . import services
from .models import Kind, Level, Region
from .policies import region_policy


class RegionFilter(filters.FilterSet):
    parent = filters.CharFilter(field_name="parent__code", help_text="上级区划代码（直接下级）")
    level = filters.ChoiceFilter(choices=Level.choices)
    kind = filters.ChoiceFilter(choices=Kind.choices)
    q = filters.CharFilter(method="search", help_text="名称包含或代码开头")

    class Meta:
        model = Region
        fields = ["parent", "level", "kind", "q"]

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(name__icontains=value) | Q(code__startswith=value)) if value else queryset


class RegionSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True)
    population = serializers.IntegerField(read_only=True, allow_null=True, help_text="最新年度常住人口")
    population_year = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = Region
        fields = ["code", "name", "level", "kind", "parent", "urban_rural_code", "population",
                  "population_year", "is_demo"]
        read_only_fields = ["code", "level", "parent", "is_demo"]


class RegionCreateSerializer(serializers.Serializer):
    parent = serializers.CharField(help_text="上级区划代码")
    code = serializers.CharField(max_length=20)
    name = serializers.CharField(max_length=100)
    level = serializers.ChoiceField(choices=Level.choices)
    kind = serializers.ChoiceField(choices=Kind.choices)
    urban_rural_code = serializers.CharField(max_length=3, required=False, allow_blank=True, default="")


class RegionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                    mixins.UpdateModelMixin, viewsets.GenericViewSet):
    """Regions the caller may see, addressed by code."""

    policy = region_policy
    permission_classes = [PolicyPermission]
    lookup_field = "code"
    lookup_value_regex = "[0-9A-Za-z_-]+"
    filterset_class = RegionFilter
    serializer_class = RegionSerializer

    def get_queryset(self):
        return region_policy.visible_to(self.request.user).select_related("parent").with_latest_population()

    def get_serializer_class(self):
        return RegionCreateSerializer if self.action == "create" else RegionSerializer

    def perform_create(self, serializer):
        data = serializer.validated_data
        parent = region_policy.get_visible(self.request.user, code=data.pop("parent"))
        region = services.region_create(actor=self.request.user, parent=parent, **data)
        serializer.instance = self.get_queryset().get(pk=region.pk)

    def create(self, request, *args, **kwargs):
        response = super().create(request, *args, **kwargs)
        response.data = RegionSerializer(self.get_queryset().get(code=response.data["code"])).data
        return response

    def perform_update(self, serializer):
        region = services.region_update(actor=self.request.user, region=serializer.instance,
                                        **serializer.validated_data)
        serializer.instance = self.get_queryset().get(pk=region.pk)
