"""A version's application form as the applicant will see it, for the workbench: the same
definition and markup the portal uses (yiwang.forms), filled with nothing but defaults."""

from yiwang.forms import definition as definitions
from yiwang.forms import web


def context(version) -> dict:
    definition = definitions.for_version(version)
    return {
        "form": web.bound_fields(definition, definitions.defaults(definition), [], {}),
        "generated": definition.generated,
    }
