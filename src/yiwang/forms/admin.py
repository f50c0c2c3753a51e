"""Code lists and data elements are editable reference data (docs/forms.md)."""

from django.contrib import admin

from yiwang.forms.models import CodeEntry, CodeList, DataElement


class CodeEntryInline(admin.TabularInline):
    model = CodeEntry
    extra = 1
    fields = ["position", "value", "label", "label_en", "active"]


@admin.register(CodeList)
class CodeListAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_en"]
    search_fields = ["code", "name", "name_en"]
    inlines = [CodeEntryInline]


@admin.register(DataElement)
class DataElementAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "code_list", "mask"]
    list_filter = ["kind", "mask"]
    search_fields = ["code", "name", "name_en"]
    list_select_related = ["code_list"]
    autocomplete_fields = ["code_list"]
