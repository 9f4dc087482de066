from rest_framework import serializers

from core.masking import mask_phone
from suppliers.models import Notice, Supplier


class SupplierSerializer(serializers.ModelSerializer):
    contact_phone = serializers.SerializerMethodField()

    class Meta:
        model = Supplier
        fields = ["id", "name", "credit_code", "contact_name", "contact_phone", "contact_email", "address", "state", "applied_at"]
        read_only_fields = fields

    def get_contact_phone(self, supplier: Supplier) -> str:
        return mask_phone(supplier.contact_phone)


class SupplierApplicationInput(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    credit_code = serializers.CharField(max_length=18, min_length=18)
    contact_name = serializers.CharField(max_length=50)
    contact_phone = serializers.RegexField(r"^1\d{10}$", max_length=11)
    contact_email = serializers.EmailField(required=False, allow_blank=True, default="")
    address = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    username = serializers.RegexField(r"^[\w.@+-]{3,150}$")
    password = serializers.CharField(min_length=8, max_length=128, write_only=True)


class NoticeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notice
        fields = ["id", "kind", "title", "body", "created_at", "read_at"]
        read_only_fields = fields
