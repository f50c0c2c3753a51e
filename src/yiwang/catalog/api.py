"""The published catalogue, read-only and public: item search and guides, themes,
departments, 一件事 bundles. Responses are cached per catalogue generation (publishing bumps
it, catalog.cache), so every channel sees a publication at once."""

import functools
import hashlib

from django.core.cache import cache
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers
from rest_framework.fields import SkipField, empty
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer

from yiwang.api.problems import ProblemSerializer
from yiwang.identity.models import OrgLevel

from . import cache as catalog_cache
from . import selectors
from .models import Audience, Bundle, ItemVersion, VersionStatus
from .search import query

CACHE_SECONDS = 600


def _cached(get):
    """Serve a GET from the cache under the catalogue generation, the language and the
    full URL (host included: responses carry absolute links). The rendered JSON is kept,
    so a hit costs a cache read."""

    @functools.wraps(get)
    def wrapper(self, request, *args, **kwargs):
        with catalog_cache.pinned():
            return _cached_get(get, self, request, *args, **kwargs)

    return wrapper


def _cached_get(get, self, request, *args, **kwargs):
    """_cached's work, under one catalogue generation (catalog.cache.pinned)."""
    url = request.build_absolute_uri()
    digest = hashlib.sha256(f"{get_language()} {url}".encode()).hexdigest()[:32]
    key = catalog_cache.key("api", digest)
    body = cache.get(key)
    if body is not None:
        return HttpResponse(body, content_type="application/json")
    response = get(self, request, *args, **kwargs)
    if response.status_code != 200:
        return response
    if getattr(request, "accepted_media_type", None) == JSONRenderer.media_type:
        # The response renders the very bytes a hit serves (no `indent` asked): kept
        # once rendered, instead of rendering the data a second time.
        def keep(rendered) -> None:
            cache.set(key, rendered.content, CACHE_SECONDS)

        response.add_post_render_callback(keep)
    else:
        cache.set(key, JSONRenderer().render(response.data), CACHE_SECONDS)
    return response


def _url(request, name, *args) -> str:
    return request.build_absolute_uri(reverse(name, args=args))


# --- serializers ----------------------------------------------------------------------------


class OrgRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class PlaceSerializer(OrgRefSerializer):
    address = serializers.CharField()
    phone = serializers.CharField()
    hours = serializers.CharField()


class ItemSummarySerializer(serializers.Serializer):
    code = serializers.CharField(source="item.code")
    name = serializers.CharField()
    department = OrgRefSerializer()
    level = serializers.ChoiceField(choices=OrgLevel.choices)
    audience = serializers.ChoiceField(choices=Audience.choices)
    online_depth = serializers.IntegerField(help_text=_("办理深度：1 信息公开 … 4 全程网办"))
    max_visits = serializers.IntegerField(help_text=_("到现场次数"))
    promised_days = serializers.IntegerField(help_text=_("承诺办结时限（工作日）"))
    hot = serializers.BooleanField()
    url = serializers.SerializerMethodField(help_text=_("办事指南页面"))

    @extend_schema_field(serializers.URLField())
    def get_url(self, version) -> str:
        return _url(self.context["request"], "item_guide", version.item.code)


class MaterialSerializer(serializers.Serializer):
    seq = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField()
    copies = serializers.IntegerField()
    medium = serializers.CharField()
    source = serializers.CharField()
    license_type = serializers.CharField(
        source="license_type.code", allow_null=True, help_text=_("关联证照类型编码")
    )
    necessity = serializers.CharField()
    notes = serializers.CharField()


class StepSerializer(serializers.Serializer):
    seq = serializers.IntegerField()
    name = serializers.CharField()
    role = serializers.CharField()
    days = serializers.IntegerField()


class FaqSerializer(serializers.Serializer):
    question = serializers.CharField()
    answer = serializers.CharField()


class GuideStepSerializer(serializers.Serializer):
    title = serializers.CharField()
    detail = serializers.CharField()


class ItemDetailSerializer(ItemSummarySerializer):
    version = serializers.IntegerField(source="number")
    item_type = serializers.CharField()
    implementing_orgs = OrgRefSerializer(many=True)
    themes = serializers.SerializerMethodField()
    legal_basis = serializers.CharField()
    conditions = serializers.CharField()
    statutory_days = serializers.IntegerField(help_text=_("法定办结时限（工作日），0 为即办"))
    fee = serializers.CharField()
    result_name = serializers.CharField()
    result_type = serializers.CharField()
    result_license_type = serializers.CharField(source="result_license_type.code", allow_null=True)
    places = PlaceSerializer(many=True)
    appointment = serializers.BooleanField()
    courier = serializers.BooleanField()
    keywords = serializers.ListField(child=serializers.CharField())
    published_at = serializers.DateTimeField()
    materials = MaterialSerializer(many=True)
    steps = StepSerializer(many=True)
    faqs = FaqSerializer(many=True)
    guide_steps = GuideStepSerializer(many=True)

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_themes(self, version) -> list[str]:
        return [theme.name for theme in version.themes.all()]


class ThemeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    audience = serializers.ChoiceField(choices=Audience.choices)
    item_count = serializers.IntegerField()


class DepartmentSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    item_count = serializers.IntegerField()


class BundleSummarySerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    audience = serializers.ChoiceField(choices=Audience.choices)
    note = serializers.CharField()
    items = serializers.SerializerMethodField(help_text=_("事项编码：先主办事项，后并联事项"))

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_items(self, bundle) -> list[str]:
        members = sorted(bundle.members.all(), key=lambda m: (m.role != "main", m.position))
        return [m.item.code for m in members]


class MergedMaterialSerializer(serializers.Serializer):
    name = serializers.CharField()
    items = serializers.ListField(child=serializers.CharField(), help_text=_("需要它的事项"))
    kind = serializers.CharField(source="first.kind")
    copies = serializers.IntegerField(source="first.copies")
    medium = serializers.CharField(source="first.medium")
    source = serializers.CharField(source="first.source")


class BundleDetailSerializer(serializers.Serializer):
    code = serializers.CharField(source="bundle.code")
    name = serializers.CharField(source="bundle.name")
    audience = serializers.ChoiceField(source="bundle.audience", choices=Audience.choices)
    note = serializers.CharField(source="bundle.note")
    main = ItemSummarySerializer(many=True, help_text=_("主办事项，依次办理"))
    parallel = ItemSummarySerializer(many=True, help_text=_("并联事项，同时办理"))
    materials = MergedMaterialSerializer(many=True, help_text=_("合并后的材料清单，每份只交一次"))
    total_promised_days = serializers.IntegerField()
    total_statutory_days = serializers.IntegerField()


class ItemFilterSerializer(serializers.Serializer):
    q = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=query.MAX_QUERY,
        help_text=_("群众的说法也可以：残疾证怎么办、开饭店要什么证、canjizheng、cjrz"),
    )
    theme = serializers.IntegerField(required=False, min_value=1, help_text=_("主题编号"))
    department = serializers.CharField(required=False, help_text=_("主管部门编码"))
    level = serializers.ChoiceField(choices=OrgLevel.choices, required=False)
    audience = serializers.ChoiceField(
        choices=[Audience.PERSON, Audience.ENTERPRISE],
        required=False,
        help_text=_("person 自然人 / enterprise 法人（两者皆可的事项都算）"),
    )


# --- views ----------------------------------------------------------------------------------


class _Page(dict):
    """A page of result cards (`results`) with each card's JSON beside it (`encoded`)."""

    encoded: list[bytes]


class _PageRenderer(JSONRenderer):
    """JSONRenderer, putting a page of result cards together around each card's JSON
    encoded beforehand: the same bytes (the same encoder and separators, no indent) without
    encoding twenty cards again on every search."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        encoded = getattr(data, "encoded", None)
        indent = self.get_indent(accepted_media_type, renderer_context or {})
        if encoded is None or indent is not None or len(encoded) != len(data["results"]):
            return super().render(data, accepted_media_type, renderer_context)
        keys = list(data)
        at = keys.index("results")
        before = super().render({k: data[k] for k in keys[:at]})[:-1]
        after = super().render({k: data[k] for k in keys[at + 1 :]})[1:]
        results = b'"results":[' + b",".join(encoded) + b"]"
        return b"".join(
            (
                before,
                b"," if keys[:at] else b"",
                results,
                b"," if keys[at + 1 :] else b"",
                after,
            )
        )


def _encoded(card: dict) -> tuple[dict, bytes]:
    return card, JSONRenderer().render(card)


class ItemList(generics.ListAPIView):
    """Published items, best match first when `q` is given (the same ranking as the
    portal's search page), otherwise hot items first."""

    permission_classes = [AllowAny]
    serializer_class = ItemSummarySerializer
    queryset = ItemVersion.objects.none()
    renderer_classes = [_PageRenderer]

    @extend_schema(
        parameters=[ItemFilterSerializer],
        summary="搜索事项",
        responses={200: ItemSummarySerializer(many=True), 400: ProblemSerializer},
    )
    @_cached
    def get(self, request, *args, **kwargs):
        data = _item_filters(request.query_params)
        filters = query.Filters(
            theme=data.get("theme"),
            department=data.get("department"),
            level=data.get("level"),
            audience=data.get("audience"),
        )
        ids = query.search(data.get("q", ""), filters).ids
        page = self.paginate_queryset(ids)
        cards = self.summaries(page)
        response = self.get_paginated_response([card for card, _ in cards])
        response.data = _Page(response.data)
        response.data.encoded = [encoded for _, encoded in cards]
        return response

    def summaries(self, ids) -> list[tuple[dict, bytes]]:
        """The result cards of a page, each with its JSON. Each is serialised and encoded
        once per snapshot of the catalogue (catalog.search.memory), language and host (its
        link is absolute) and kept in memory: searches list the same items over and over,
        so a search new to the cache costs the search itself (docs/search.md, "Speed")."""
        cards = query.result_cards()
        prefix = (get_language(), self.request.get_host())
        missing = [pk for pk in ids if (*prefix, pk) not in cards]
        if missing:
            rows = cards.get(_ROWS)
            if rows is None:
                rows = cards[_ROWS] = _card_rows()
            request = self.request
            for pk in missing:
                row = rows.get(pk)
                if row is not None:
                    cards[(*prefix, pk)] = _encoded(_card(request, row))
            missing = [pk for pk in missing if (*prefix, pk) not in cards]
        versions = versions_in_order(missing) if missing else []
        serialised = self.get_serializer(versions, many=True).data if versions else []
        for version, card in zip(versions, serialised, strict=True):
            cards[(*prefix, version.pk)] = _encoded(card)
        return [cards[(*prefix, pk)] for pk in ids if (*prefix, pk) in cards]


_ROWS = "card rows"
_CARD_COLUMNS = (
    "pk",
    "item__code",
    "name",
    "department__code",
    "department__name",
    "level",
    "audience",
    "online_depth",
    "max_visits",
    "promised_days",
    "hot",
)


def _card_rows() -> dict[int, tuple]:
    """What the result card of every published version shows, read in one query once per
    snapshot of the catalogue: a search then reads no rows for its cards."""
    rows = ItemVersion.objects.filter(status=VersionStatus.PUBLISHED).values_list(*_CARD_COLUMNS)
    return {row[0]: row for row in rows.order_by().iterator(chunk_size=2000)}


def _card(request, row) -> dict:
    """ItemSummarySerializer's representation of a version, from its row (the same fields,
    in the same order, with the same types: tests/catalog/test_api_search_cards.py)."""
    _, code, name, department_code, department_name, level, audience = row[:7]
    depth, visits, days, hot = row[7:]
    return {
        "code": str(code),
        "name": str(name),
        "department": {"code": str(department_code), "name": str(department_name)},
        "level": level,
        "audience": audience,
        "online_depth": int(depth),
        "max_visits": int(visits),
        "promised_days": int(days),
        "hot": bool(hot),
        "url": _url(request, "item_guide", code),
    }


@functools.cache
def _filter_fields():
    """ItemFilterSerializer's fields, bound once: validating them one by one costs a tenth
    of building the serializer (which deep-copies its fields) on every request."""
    return ItemFilterSerializer().fields


def _item_filters(params) -> dict:
    """ItemFilterSerializer's validated data; any invalid value goes through the serializer
    itself, so a 400 names the same parameters with the same messages."""
    data = {}
    for name, field in _filter_fields().items():
        value = field.get_value(params)
        if value is empty:
            continue
        try:
            data[name] = field.run_validation(value)
        except (serializers.ValidationError, DjangoValidationError, SkipField):
            form = ItemFilterSerializer(data=params)
            form.is_valid(raise_exception=True)
            return form.validated_data
    return data


def versions_in_order(ids) -> list[ItemVersion]:
    """The published versions of these ids, in their order. Looked up by primary key, the
    status checked on the rows: filtered on status, the database may walk the status index
    over the whole catalogue to find twenty rows."""
    versions = selectors.for_listing(ItemVersion.objects.filter(pk__in=ids)).order_by()
    by_id = {v.pk: v for v in versions if v.status == VersionStatus.PUBLISHED}
    return [by_id[pk] for pk in ids if pk in by_id]


class ItemDetail(generics.RetrieveAPIView):
    permission_classes = [AllowAny]
    serializer_class = ItemDetailSerializer
    queryset = ItemVersion.objects.none()

    def get_object(self):
        try:
            return selectors.guide(self.kwargs["code"])
        except ItemVersion.DoesNotExist:
            raise Http404 from None

    @extend_schema(
        summary="办事指南", responses={200: ItemDetailSerializer, 404: ProblemSerializer}
    )
    @_cached
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class ThemeList(generics.ListAPIView):
    permission_classes = [AllowAny]
    serializer_class = ThemeSerializer

    def get_queryset(self):
        return selectors.themes_with_counts()

    @extend_schema(summary="主题分类")
    @_cached
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class DepartmentList(generics.ListAPIView):
    permission_classes = [AllowAny]
    serializer_class = DepartmentSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return []
        return selectors.departments_with_counts()

    @extend_schema(summary="部门")
    @_cached
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class BundleList(generics.ListAPIView):
    permission_classes = [AllowAny]
    serializer_class = BundleSummarySerializer

    def get_queryset(self):
        return selectors.bundles().prefetch_related("members__item")

    @extend_schema(summary="一件事")
    @_cached
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class BundleDetail(generics.RetrieveAPIView):
    permission_classes = [AllowAny]
    serializer_class = BundleDetailSerializer
    queryset = Bundle.objects.none()

    def get_object(self):
        try:
            return selectors.bundle(self.kwargs["code"])
        except Bundle.DoesNotExist:
            raise Http404 from None

    @extend_schema(
        summary="一件事详情", responses={200: BundleDetailSerializer, 404: ProblemSerializer}
    )
    @_cached
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
