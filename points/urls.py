from django.urls import path

from points import views, views_operator

urlpatterns = [
    path("catalog/", views.catalog, name="member-catalog"),
    path("catalog/<int:pk>/", views.gift_detail, name="member-gift"),
    path("catalog/<int:pk>/images/<int:index>/", views.gift_image, name="member-gift-image"),
    path("orders/", views.order_list, name="member-orders"),
    path("orders/<int:pk>/", views.order_detail, name="member-order"),
    path("orders/<int:pk>/confirm/", views.order_confirm, name="member-order-confirm"),
    path("orders/<int:pk>/resend-code/", views.order_resend_code, name="member-order-resend-code"),
    path("orders/<int:pk>/cancel/", views.order_cancel, name="member-order-cancel"),
    path("points/", views.points, name="member-points"),
    path("points/reminders/", views.reminders, name="member-reminders"),
    path("points/messages/", views.reminder_messages, name="member-messages"),
    path("credits/", views_operator.credit_upload, name="operator-points-credits"),
    path("credits/<int:pk>/", views_operator.credit_upload_detail, name="operator-points-credit-upload"),
    path("credits/<int:pk>/rows.<str:file_format>", views_operator.credit_upload_rows, name="operator-points-credit-upload-rows"),
    path("credits/<int:pk>/<str:name>/", views_operator.credit_upload_action, name="operator-points-credit-upload-action"),
    path("credits/template.<str:file_format>", views_operator.credit_template, name="operator-points-credit-template"),
    path("order-admin/", views_operator.order_admin, name="operator-orders"),
    path("order-admin/export.<str:file_format>", views_operator.order_admin_export, name="operator-orders-export"),
    path("order-admin/<int:pk>/", views_operator.order_admin_detail, name="operator-order"),
    path("order-admin/<int:pk>/<str:name>/", views_operator.order_admin_action, name="operator-order-action"),
    path("member-admin/", views_operator.member_admin, name="operator-members"),
    path("member-admin/<int:pk>/", views_operator.member_admin_detail, name="operator-member"),
    path("member-admin/<int:pk>/messages/", views_operator.member_admin_messages, name="operator-member-messages"),
]
