"""Portal pages of the shared infrastructure: home, with the role's panels and a link to every page it may open."""
from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from core.home import home_panels


@login_required
def home(request):
    return render(request, "core/home.html", {"panels": home_panels(request.user)})
