from django.urls import path

from suppliers import views, views_team

urlpatterns = [
    path("apply/", views.apply, name="supplier-apply"),
    path("notices/", views.notice_list, name="supplier-notices"),
    path("notices/read-all/", views.notice_mark_all_read, name="supplier-notices-read-all"),
    path("team/", views_team.team_page, name="supplier-team"),
    path("team/<int:pk>/", views_team.member_page, name="supplier-team-member"),
    path("team/<int:pk>/<str:name>/", views_team.member_action, name="supplier-team-action"),
    path("review/", views.supplier_list, name="operator-suppliers"),
    path("review/<int:pk>/", views.supplier_detail, name="operator-supplier-detail"),
    path("review/<int:pk>/<str:name>/", views.supplier_transition, name="operator-supplier-transition"),
]
