"""Portal pages of rectification cases and re-evaluations (under /settlement/)."""
from django.urls import path

from settlement import views_cases as views

urlpatterns = [
    path("cases/", views.case_list, name="settlement-cases"),
    path("cases/<int:pk>/", views.case_detail, name="settlement-case"),
    path("cases/<int:pk>/<slug:name>/", views.case_action, name="settlement-case-action"),
    path("re-evaluations/", views.re_evaluation_list, name="settlement-re-evaluations"),
    path("re-evaluations/<int:pk>/", views.re_evaluation_detail, name="settlement-re-evaluation"),
]
