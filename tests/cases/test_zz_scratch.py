from yiwang.catalog.models import ItemVersion, LicenseType


def test_scratch(demo_catalog, user_named):
    for code in ["SCJ-XK-0005", "SCJ-XK-0008", "CGW-XK-0001", "XFJ-XK-0001"]:
        v = ItemVersion.objects.get(item__code=code, status="published")
        print(code, v.name, v.result_license_type, v.audience)
        for r in v.materials.all():
            print("   ", r.name, r.source, r.license_type and r.license_type.code, r.necessity)
    for t in LicenseType.objects.all():
        print(t.code, t.name, t.holder_kind, t.fields, t.field_elements, t.satisfies)
    assert 0
