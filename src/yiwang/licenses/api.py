"""Public licence endpoints (no login): the published signing keys, so anyone can verify
offline, and online verification of a QR payload."""

from django.http import Http404, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import generics, renderers, serializers
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from yiwang.api.helpers import TextField, validated
from yiwang.api.problems import ProblemSerializer
from yiwang.core import files

from . import documents, selectors, services
from .models import License, ShareLink, SigningKey


class PdfRenderer(renderers.BaseRenderer):
    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


class SigningKeySerializer(serializers.ModelSerializer):
    alg = serializers.CharField(source="algorithm")
    public_key = serializers.CharField(help_text="base64 of the raw public key (32 bytes)")

    class Meta:
        model = SigningKey
        fields = ["kid", "alg", "public_key", "active", "created_at", "retired_at"]


class LicenseKeys(APIView):
    """Every key that ever signed a licence: retired keys still verify what they signed."""

    permission_classes = [AllowAny]

    @extend_schema(summary="证照签名公钥", responses={200: SigningKeySerializer(many=True)})
    def get(self, request):
        keys = SigningKey.objects.order_by("-created_at")
        return Response(SigningKeySerializer(keys, many=True).data)


class VerificationSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=["valid", "expired", "revoked", "replaced", "not_genuine"]
    )
    words = serializers.CharField()
    genuine = serializers.BooleanField()
    reason = serializers.CharField(help_text="why not genuine: malformed, unknown_key, …")
    number = serializers.CharField(allow_blank=True)
    license_type = serializers.CharField(allow_blank=True)
    holder = serializers.CharField(allow_blank=True, help_text="masked")
    issuer = serializers.CharField(allow_blank=True)
    issued_on = serializers.CharField(allow_blank=True)
    valid_until = serializers.CharField(allow_null=True)
    fields = serializers.DictField(child=serializers.CharField(), help_text="masked")
    replaced_by = serializers.CharField(allow_blank=True)
    kid = serializers.CharField(allow_blank=True)


def verification_data(result) -> dict:
    claims = result.claims
    licence = result.license
    return {
        "status": result.status,
        "words": result.words,
        "genuine": result.genuine,
        "reason": result.reason,
        "number": claims.get("no", ""),
        "license_type": claims.get("tn", ""),
        "holder": claims.get("h", ""),
        "issuer": claims.get("org", ""),
        "issued_on": claims.get("iss", ""),
        "valid_until": claims.get("exp"),
        "fields": claims.get("f", {}),
        "replaced_by": licence.replaced_by.number if licence and licence.replaced_by_id else "",
        "kid": claims.get("kid", ""),
    }


class VerifyRequestSerializer(serializers.Serializer):
    payload = TextField(
        help_text=gettext_lazy("证照二维码中 /v/ 之后的部分"),
        error_messages={
            "required": gettext_lazy("请提供二维码中的核验内容。"),
            "blank": gettext_lazy("请提供二维码中的核验内容。"),
        },
    )


class JsonAlways(DefaultContentNegotiation):
    """The view's one renderer whatever the Accept header says (DRF's "ignore client
    content negotiation"): negotiating was over half of what DRF added to a verification
    in a profile. Request bodies are still parsed by their Content-Type."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class LicenseVerify(APIView):
    """Verify the payload of a licence's QR code (the part after /v/)."""

    # Anyone may verify, signed in or not, and every scan is answered: no session or token
    # is read, nothing is throttled, and the answer is always JSON. This runs for every
    # scan of every QR code (bench/licenses measures it).
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = []
    renderer_classes = [renderers.JSONRenderer]
    content_negotiation_class = JsonAlways

    def dispatch(self, request, *args, **kwargs):
        # A scan — a GET with a payload — is answered straight from the service, as the
        # renderer would: DRF's request wrapping and response finalising were a sixth of
        # a verification's cost. Anything else (no payload, POST, OPTIONS) takes DRF's way,
        # with its problem+json errors.
        payload = request.GET.get("payload", "") if request.method == "GET" else ""
        if payload:
            return JsonResponse(
                verification_data(services.verify(payload)),
                json_dumps_params={"ensure_ascii": False, "separators": (",", ":")},
            )
        return super().dispatch(request, *args, **kwargs)

    @extend_schema(
        summary="核验电子证照",
        parameters=[VerifyRequestSerializer],
        responses={200: VerificationSerializer, 400: ProblemSerializer},
    )
    def get(self, request):
        return self._answer(request.query_params)

    @extend_schema(
        summary="核验电子证照",
        request=VerifyRequestSerializer,
        responses={200: VerificationSerializer, 400: ProblemSerializer},
    )
    def post(self, request):
        return self._answer(request.data)

    def _answer(self, data):
        payload = validated(VerifyRequestSerializer, data)["payload"]
        return Response(verification_data(services.verify(payload)))


# --- the holder's wallet (我的证照) ---------------------------------------------------------

LICENSE_STATES = ["valid", "expired", "revoked", "replaced"]
SHARE_LINK_STATES = ["active", "expired", "revoked"]


class WalletLicenseSerializer(serializers.ModelSerializer):
    license_type = serializers.CharField(source="license_type.code")
    license_type_name = serializers.CharField(source="license_type.name")
    holder_kind = serializers.SerializerMethodField()
    status = serializers.SerializerMethodField()
    status_words = serializers.SerializerMethodField()
    issuer = serializers.CharField(source="issuer.name")
    pdf = serializers.SerializerMethodField(help_text="the licence as PDF")

    class Meta:
        model = License
        fields = [
            "id",
            "number",
            "license_type",
            "license_type_name",
            "holder_kind",
            "holder_name",
            "status",
            "status_words",
            "issued_on",
            "valid_until",
            "issuer",
            "pdf",
        ]

    @extend_schema_field(serializers.ChoiceField(choices=["person", "enterprise"]))
    def get_holder_kind(self, licence) -> str:
        return "person" if licence.holder_person_id else "enterprise"

    @extend_schema_field(serializers.ChoiceField(choices=LICENSE_STATES))
    def get_status(self, licence) -> str:
        return licence.status_on(self.context.get("today"))

    def get_status_words(self, licence) -> str:
        return licence.status_words(self.context.get("today"))

    def get_pdf(self, licence) -> str:
        return reverse("api:me-license-pdf", args=[licence.pk])


class ShareLinkSerializer(serializers.ModelSerializer):
    state = serializers.SerializerMethodField()

    class Meta:
        model = ShareLink
        fields = ["id", "created_at", "expires_at", "revoked_at", "state", "opened_count"]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=SHARE_LINK_STATES))
    def get_state(self, link) -> str:
        return link.state_on()


class WalletLicenseDetailSerializer(WalletLicenseSerializer):
    fields = serializers.SerializerMethodField(
        method_name="get_particulars", help_text="照面字段 in order; identity numbers masked"
    )
    verify_url = serializers.SerializerMethodField()
    replaced_by = serializers.CharField(source="replaced_by.number", default="", read_only=True)
    share_links = serializers.SerializerMethodField()

    class Meta(WalletLicenseSerializer.Meta):
        fields = [
            *WalletLicenseSerializer.Meta.fields,
            "fields",
            "verify_url",
            "replaced_by",
            "share_links",
        ]

    def get_particulars(self, licence) -> dict[str, str]:
        return {name: value for name, value, _secret in services.holder_fields(licence)}

    def get_verify_url(self, licence) -> str:
        return services.verification_url(licence)

    @extend_schema_field(ShareLinkSerializer(many=True))
    def get_share_links(self, licence):
        return ShareLinkSerializer(selectors.share_links(licence), many=True).data


class ShareLinkCreateSerializer(serializers.Serializer):
    valid_for = serializers.ChoiceField(choices=list(services.SHARE_DURATIONS), default="1d")


class ShareLinkCreatedSerializer(ShareLinkSerializer):
    url = serializers.CharField(help_text="give this to the third party; shown only now")

    class Meta(ShareLinkSerializer.Meta):
        fields = [*ShareLinkSerializer.Meta.fields, "url"]
        read_only_fields = fields


def _wallet_licence(request, pk) -> License:
    try:
        return selectors.wallet_licence(request.user, pk)
    except License.DoesNotExist:
        raise Http404 from None


class MyLicenses(generics.ListAPIView):
    """The user's licences and, for an enterprise's authorised agents, the enterprise's."""

    serializer_class = WalletLicenseSerializer

    def get_queryset(self):
        return selectors.wallet(self.request.user)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "today": timezone.localdate()}

    @extend_schema(summary="我的证照")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class MyLicense(APIView):
    @extend_schema(
        summary="我的证照：详情",
        responses={200: WalletLicenseDetailSerializer, 404: ProblemSerializer},
    )
    def get(self, request, pk):
        licence = _wallet_licence(request, pk)
        return Response(
            WalletLicenseDetailSerializer(licence, context={"today": timezone.localdate()}).data
        )


class MyLicensePdf(APIView):
    # Errors are problem+json whatever was negotiated (the exception handler builds them).
    renderer_classes = [PdfRenderer]

    @extend_schema(
        operation_id="v1_me_licenses_pdf_retrieve",
        summary="我的证照：PDF",
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="证照"),
            (404, "application/problem+json"): ProblemSerializer,
        },
    )
    def get(self, request, pk):
        licence = _wallet_licence(request, pk)
        pdf = documents.license_pdf(licence, verify_url=services.verification_url(licence))
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = content_disposition_header(
            True, f"{licence.license_type.name}-{licence.number}.pdf"
        )
        return files.sandboxed(response)


class MyLicenseShareLinks(APIView):
    @extend_schema(
        summary="生成限时分享链接",
        request=ShareLinkCreateSerializer,
        responses={201: ShareLinkCreatedSerializer, 400: ProblemSerializer, 404: ProblemSerializer},
    )
    def post(self, request, pk):
        licence = _wallet_licence(request, pk)
        given = ShareLinkCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        link, token = services.create_share_link(
            licence.pk, by=request.user, valid_for=given.validated_data["valid_for"]
        )
        data = ShareLinkSerializer(link).data
        data["url"] = request.build_absolute_uri(reverse("license_share", args=[token]))
        return Response(data, status=201)


class MyLicenseShareLink(APIView):
    @extend_schema(summary="撤销分享链接", responses={204: None, 404: ProblemSerializer})
    def delete(self, request, pk, link_id):
        licence = _wallet_licence(request, pk)
        if not ShareLink.objects.filter(pk=link_id, license=licence).exists():
            raise Http404
        services.revoke_share_link(link_id, by=request.user)
        return Response(status=204)
