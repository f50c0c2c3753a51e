"""The hall's pages: booking (预约), the window's workbench (叫号), the manager's pages and
the public ones (kiosk, display board, a ticket followed on a phone)."""

from . import urls_booking, urls_manage, urls_public, urls_window

urlpatterns = [
    *urls_booking.urlpatterns,
    *urls_window.urlpatterns,
    *urls_manage.urlpatterns,
    *urls_public.urlpatterns,
]
