"""Permissions as the admin's user and group pages offer them, named in the reader's language.

A permission's stored name was written once, when its model was migrated, in the language active then ("Can add 用户"):
a model's own permissions are named again from what they allow and the model's name as the reader reads it, and any
other by its translation."""
from django import forms
from django.contrib.auth.models import Permission
from django.utils.translation import gettext, gettext_noop

#: what each of a model's own permissions allows (Django's default_permissions), `name` the model's verbose name
ALLOWS = {
    "add": gettext_noop("可添加%(name)s"),
    "change": gettext_noop("可修改%(name)s"),
    "delete": gettext_noop("可删除%(name)s"),
    "view": gettext_noop("可查看%(name)s"),
}


def permission_label(permission: Permission) -> str:
    """"<app> | <model> | <permission>", each in the reader's language (English: "Infrastructure | User | Can add User")."""
    model = permission.content_type.model_class()
    action, _sep, model_name = permission.codename.partition("_")
    if model is not None and action in ALLOWS and model_name == model._meta.model_name:
        name = gettext(ALLOWS[action]) % {"name": model._meta.verbose_name}
    else:
        name = gettext(permission.name)
    return f"{permission.content_type} | {name}"


class PermissionsField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Permission) -> str:
        return permission_label(obj)


class PermissionsNamedAdmin:
    """A user's or a group's permissions offered by their names in the reader's language, read in one query."""

    def formfield_for_manytomany(self, db_field, request=None, **kwargs):
        if db_field.name in ("permissions", "user_permissions"):
            kwargs["queryset"] = kwargs.get("queryset", Permission.objects).select_related("content_type")
            kwargs["form_class"] = PermissionsField
        return super().formfield_for_manytomany(db_field, request=request, **kwargs)
