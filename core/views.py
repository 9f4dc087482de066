"""Portal pages of the shared infrastructure: home and the role's dashboard entry."""
from django.contrib.auth.decorators import login_required
from django.shortcuts import render


@login_required
def home(request):
    return render(request, "core/home.html")
