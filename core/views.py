"""Portal pages of the shared infrastructure: home, with the role's panels and a link to every page it may open; the
page of a form whose page has expired."""
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse

from core.home import home_panels
from core.pages import referring_page


@login_required
def home(request):
    return render(request, "core/home.html", {"panels": home_panels(request.user)})


def csrf_failure(request, reason: str = ""):
    """A form refused by the CSRF check (CSRF_FAILURE_VIEW): its page was opened before the user signed in again (in
    another tab, or after the session expired), so its token is no longer valid. 403, the portal's page saying to go
    back, reload and send it again, with a link to the page it came from (else home), not Django's bare page."""
    return render(request, "core/csrf_failure.html", {"back": referring_page(request) or reverse("home")}, status=403)


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's page, giving its form the request: the old password is checked through the login limiter."""

    def get_form_kwargs(self) -> dict:
        return super().get_form_kwargs() | {"request": self.request}
