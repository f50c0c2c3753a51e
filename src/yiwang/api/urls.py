from django.conf import settings
from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularAPIView

from yiwang.catalog import api as catalog
from yiwang.identity import api as identity
from yiwang.journey.cases import api as cases
from yiwang.journey.cases import form_api as case_forms
from yiwang.journey.workflow import api as workflow
from yiwang.licenses import api as licenses
from yiwang.notify import api as notify
from yiwang.sharing import api as sharing

from . import bench, problems
from .auth import TokenView
from .views import ApiRoot, SwaggerView

app_name = "api"


urlpatterns = [
    path("v1/", ApiRoot.as_view(), name="root"),
    path("v1/auth/token", TokenView.as_view(), name="token"),
    path("v1/", include("yiwang.feedback.api_urls")),
    path("v1/", include("yiwang.supervision.api_urls")),
    path("v1/", include("yiwang.halls.api_urls")),
    path("v1/", include("yiwang.hotline.api_urls")),
    path("v1/citizens", identity.CitizenRegistration.as_view(), name="citizens"),
    path("v1/password-reset", identity.PasswordResetRequest.as_view(), name="password-reset"),
    path(
        "v1/password-reset/confirm",
        identity.PasswordResetConfirm.as_view(),
        name="password-reset-confirm",
    ),
    path("v1/me", identity.Me.as_view(), name="me"),
    path("v1/me/phone/code", identity.PhoneCodeResend.as_view(), name="phone-code"),
    path("v1/me/phone/verify", identity.PhoneVerify.as_view(), name="phone-verify"),
    path("v1/me/id-number/reveal", identity.IdNumberReveal.as_view(), name="id-number-reveal"),
    path("v1/orgs", identity.OrgList.as_view(), name="orgs"),
    path("v1/orgs/<str:code>", identity.OrgDetail.as_view(), name="org"),
    path("v1/messages", notify.MessageList.as_view(), name="messages"),
    path("v1/messages/<id:pk>/read", notify.MessageRead.as_view(), name="message-read"),
    path("v1/items", catalog.ItemList.as_view(), name="items"),
    path("v1/items/<str:code>", catalog.ItemDetail.as_view(), name="item"),
    path("v1/items/<str:code>/form", case_forms.ItemForm.as_view(), name="item-form"),
    path("v1/themes", catalog.ThemeList.as_view(), name="themes"),
    path("v1/departments", catalog.DepartmentList.as_view(), name="departments"),
    path("v1/bundles", catalog.BundleList.as_view(), name="bundles"),
    path("v1/bundles/<str:code>", catalog.BundleDetail.as_view(), name="bundle"),
    path("v1/bundles/<str:code>/form", case_forms.BundleForm.as_view(), name="bundle-form"),
    path("v1/cases", cases.CaseList.as_view(), name="cases"),
    path("v1/cases/<id:pk>", cases.CaseDetail.as_view(), name="case"),
    path("v1/cases/<id:pk>/form", case_forms.CaseFormView.as_view(), name="case-form"),
    path(
        "v1/cases/<id:pk>/materials/<id:material_id>/files",
        cases.MaterialUpload.as_view(),
        name="case-material-files",
    ),
    path(
        "v1/cases/<id:pk>/materials/<id:material_id>/files/<id:file_id>",
        cases.MaterialFileRemove.as_view(),
        name="case-material-file",
    ),
    path(
        "v1/cases/<id:pk>/materials/<id:material_id>/at-window",
        cases.MaterialAtWindow.as_view(),
        name="case-material-at-window",
    ),
    path("v1/cases/<id:pk>/submit", cases.CaseSubmit.as_view(), name="case-submit"),
    path("v1/cases/<id:pk>/withdraw", cases.CaseWithdraw.as_view(), name="case-withdraw"),
    path("v1/cases/<id:pk>/accept", cases.CaseAccept.as_view(), name="case-accept"),
    path("v1/cases/<id:pk>/supplement", cases.CaseSupplement.as_view(), name="case-supplement"),
    path("v1/cases/<id:pk>/refuse", cases.CaseRefuse.as_view(), name="case-refuse"),
    path("v1/intake", cases.IntakeQueue.as_view(), name="intake"),
    path("v1/tasks", workflow.TaskList.as_view(), name="tasks"),
    path("v1/tasks/<id:pk>", workflow.TaskDetail.as_view(), name="task"),
    path("v1/tasks/<id:pk>/claim", workflow.TaskClaim.as_view(), name="task-claim"),
    path("v1/tasks/<id:pk>/release", workflow.TaskRelease.as_view(), name="task-release"),
    path("v1/tasks/<id:pk>/complete", workflow.TaskComplete.as_view(), name="task-complete"),
    path("v1/cases/<id:pk>/suspend", workflow.CaseSuspend.as_view(), name="case-suspend"),
    path("v1/cases/<id:pk>/resume", workflow.CaseResume.as_view(), name="case-resume"),
    path("v1/cases/<id:pk>/extensions", workflow.CaseExtensions.as_view(), name="case-extensions"),
    path("v1/extensions", workflow.ExtensionList.as_view(), name="extensions"),
    path(
        "v1/extensions/<id:pk>/decision",
        workflow.ExtensionDecide.as_view(),
        name="extension-decision",
    ),
    path("v1/cases/<id:pk>/conclusion", workflow.CaseConclusion.as_view(), name="case-conclusion"),
    path(
        "v1/cases/<id:pk>/decision.pdf",
        workflow.CaseDecisionPdf.as_view(),
        name="case-decision-pdf",
    ),
    path("v1/cases/<id:pk>/progress", workflow.CaseProgress.as_view(), name="case-progress"),
    path("v1/cases/<id:pk>/delivery", workflow.CaseDelivery.as_view(), name="case-delivery"),
    path(
        "v1/cases/<id:pk>/delivery/hand-over",
        workflow.CaseHandOver.as_view(),
        name="case-hand-over",
    ),
    path(
        "v1/cases/<id:pk>/delivery/hand-over/code",
        workflow.CaseHandOverCode.as_view(),
        name="case-hand-over-code",
    ),
    path("v1/cases/<id:pk>/delivery/ship", workflow.CaseShip.as_view(), name="case-ship"),
    path("v1/results", workflow.ResultQueue.as_view(), name="results"),
    path("v1/license-keys", licenses.LicenseKeys.as_view(), name="license-keys"),
    path("v1/licenses/verify", licenses.LicenseVerify.as_view(), name="license-verify"),
    path("v1/me/licenses", licenses.MyLicenses.as_view(), name="me-licenses"),
    path("v1/me/licenses/<id:pk>", licenses.MyLicense.as_view(), name="me-license"),
    path("v1/me/licenses/<id:pk>.pdf", licenses.MyLicensePdf.as_view(), name="me-license-pdf"),
    path(
        "v1/me/licenses/<id:pk>/share-links",
        licenses.MyLicenseShareLinks.as_view(),
        name="me-license-share-links",
    ),
    path(
        "v1/me/licenses/<id:pk>/share-links/<id:link_id>",
        licenses.MyLicenseShareLink.as_view(),
        name="me-license-share-link",
    ),
    path("v1/sharing/lookups", sharing.Lookups.as_view(), name="sharing-lookups"),
    path("v1/me/data-access", sharing.MyDataAccess.as_view(), name="me-data-access"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SwaggerView.as_view(url_name="api:schema"), name="docs"),
    *(
        # The baseline of bench/search/speed.py: Django and the server, nothing else.
        [
            path("v1/_bench/bare", bench.bare, name="bench-bare"),
            # The baseline of bench/cases/submit.py: the same, plus one row written.
            path("v1/_bench/insert", bench.insert, name="bench-insert"),
            # The floor of bench/cases/submit.py: one row written by an authenticated API call.
            path(
                "v1/_bench/insert-as-user", bench.InsertAsUser.as_view(), name="bench-insert-user"
            ),
            # The second baseline of bench/licenses/verify.py: the bare view plus one round
            # trip to the database, the least any online check of live status costs.
            path("v1/_bench/read", bench.read, name="bench-read"),
        ]
        if settings.YIWANG_BENCH
        else []
    ),
    # Anything else under /api/ is a problem+json 404, not the site's HTML page.
    re_path(r"^", csrf_exempt(problems.not_found)),
]
