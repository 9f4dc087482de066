"""Serializer building blocks shared by the apps' APIs."""
import copy


class PrebuiltFields:
    """For a ModelSerializer on a hot path: DRF builds its fields from the model on every instance (model
    introspection, labels, validators: most of an order response's CPU). Build them once per class and give
    each instance fresh copies, as a plain Serializer does with its declared fields. Only for serializers
    whose fields depend on nothing but the class (no per-request `fields`, no context-driven building)."""

    def get_fields(self):
        cls = type(self)
        prebuilt = cls.__dict__.get("_prebuilt_fields")
        if prebuilt is None:
            prebuilt = super().get_fields()
            cls._prebuilt_fields = prebuilt
        return copy.deepcopy(prebuilt)
