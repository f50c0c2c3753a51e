def test_demo_loads_orgs_and_accounts(demo, user_named):
    from yiwang.identity.models import OrgUnit

    assert OrgUnit.objects.get(code="990101-ZWZX").name == "示范区政务服务中心"
    assert user_named("reviewer-cgw").grants.get().org.code == "990101-CGW"
