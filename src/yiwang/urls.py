from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/", include("yiwang.api.urls")),
    path("", include("yiwang.identity.urls")),
    path("", include("yiwang.notify.urls")),
    path("", include("yiwang.catalog.urls")),
    path("", include("yiwang.journey.cases.urls")),
    path("", include("yiwang.journey.workflow.urls")),
    path("", include("yiwang.licenses.urls")),
    path("", include("yiwang.sharing.urls")),
    path("", include("yiwang.feedback.urls")),
    path("", include("yiwang.supervision.urls")),
    path("", include("yiwang.halls.urls")),
    path("", include("yiwang.hotline.urls")),
    path("", include("yiwang.web.urls")),
]

handler400 = "yiwang.web.views.bad_request"
handler403 = "yiwang.web.views.permission_denied"
handler404 = "yiwang.web.views.page_not_found"
handler500 = "yiwang.web.views.server_error"
