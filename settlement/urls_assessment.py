"""Portal pages of monthly assessments, penalty and suspension proposals, KPI settings (under /settlement/)."""
from django.urls import path

from settlement import views_assessment as views

urlpatterns = [
    path("assessments/", views.assessment_list, name="settlement-assessments"),
    path("assessments/<int:pk>/", views.assessment_detail, name="settlement-assessment"),
    path("assessments/penalties/", views.penalty_list, name="settlement-penalty-proposals"),
    path("assessments/suspensions/", views.suspension_list, name="settlement-suspension-proposals"),
    path("assessments/penalty-rules/", views.penalty_rules, name="settlement-penalty-rules"),
    path("assessments/penalty-rules/<int:pk>/active/", views.penalty_rule_active, name="settlement-penalty-rule-active"),
    path("assessments/<slug:kind>/<int:pk>/<slug:name>/", views.decide, name="settlement-proposal-decide"),
    path("assessments/kpi-settings/", views.kpi_settings, name="settlement-kpi-settings"),
]
