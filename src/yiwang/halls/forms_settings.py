"""The hall manager's settings forms: they read what was typed; halls.configuration checks
the rules and changes the rows."""

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from yiwang.catalog.models import ServiceItem

from .configuration import HALL_SETTINGS
from .models import Hall, Lane, ServiceCategory, WindowKind

NUMBERS = [name for name in HALL_SETTINGS if name != "lane_order"]
WEEKDAYS = [
    (1, _("周一")),
    (2, _("周二")),
    (3, _("周三")),
    (4, _("周四")),
    (5, _("周五")),
    (6, _("周六")),
    (7, _("周日")),
]


class HallSettingsForm(forms.Form):
    """The lanes in order (one select per place) and the numbers of the queue and bookings."""

    def __init__(self, *args, hall: Hall, **kwargs):
        initial = {f"lane_{i}": lane for i, lane in enumerate(hall.lanes, 1)}
        initial.update({name: getattr(hall, name) for name in NUMBERS})
        super().__init__(*args, initial=initial, **kwargs)
        for i in range(1, len(Lane) + 1):
            self.fields[f"lane_{i}"] = forms.ChoiceField(
                label=_("第%(n)d位") % {"n": i}, choices=Lane.choices
            )
        self.fields.update(forms.fields_for_model(Hall, fields=NUMBERS))

    def lane_fields(self):
        return [self[f"lane_{i}"] for i in range(1, len(Lane) + 1)]

    def number_fields(self):
        return [self[name] for name in NUMBERS]

    def settings(self) -> dict:
        data = self.cleaned_data
        return {
            "lane_order": [data[f"lane_{i}"] for i in range(1, len(Lane) + 1)],
            **{name: data[name] for name in NUMBERS},
        }


class ItemChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, item):
        name = item.published.name if item.published_id else ""
        return f"{item.code} {name}".strip()


def items_for(hall: Hall):
    """The items the picker offers: those published with this hall's org among their places,
    and those its categories already serve."""
    return (
        ServiceItem.objects.filter(Q(published__places=hall.org_id) | Q(hall_categories__hall=hall))
        .select_related("published")
        .distinct()
        .order_by("code")
    )


class CategoryForm(forms.Form):
    letter = forms.CharField(label=_("号码字母"), max_length=1, help_text=_("A–Z，号码如A012。"))
    name = forms.CharField(label=_("业务类别"), max_length=100)
    default_minutes = forms.IntegerField(
        label=_("平均办理时间（分钟）"),
        min_value=1,
        initial=10,
        help_text=_("还没有足够的办理记录时，用它估算等候时间。"),
    )
    weekdays = forms.TypedMultipleChoiceField(
        label=_("受理日"),
        choices=WEEKDAYS,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("都不选：大厅开放的每一天。"),
    )
    is_active = forms.BooleanField(label=_("启用"), required=False, initial=True)

    def __init__(self, *args, hall: Hall, category: ServiceCategory | None = None, **kwargs):
        if category is not None:
            kwargs.setdefault(
                "initial",
                {
                    "letter": category.letter,
                    "name": category.name,
                    "default_minutes": category.default_minutes,
                    "weekdays": category.weekdays,
                    "is_active": category.is_active,
                    "items": [i.pk for i in category.items.all()],
                },
            )
        super().__init__(*args, **kwargs)
        self.category = category
        self.fields["items"] = ItemChoices(
            label=_("办理事项"),
            queryset=items_for(hall),
            required=False,
            widget=forms.CheckboxSelectMultiple,
        )


class WindowForm(forms.Form):
    number = forms.IntegerField(label=_("窗口号"), min_value=1, max_value=999)
    label = forms.CharField(label=_("窗口名称"), max_length=100, required=False)
    kind = forms.ChoiceField(
        label=_("窗口类型"),
        choices=WindowKind.choices,
        widget=forms.RadioSelect,
        initial=WindowKind.DEDICATED,
        help_text=_("综合窗口办理本大厅全部业务类别；专窗只办理所选类别。"),
    )

    def __init__(self, *args, hall: Hall, window=None, **kwargs):
        if window is not None:
            kwargs.setdefault(
                "initial",
                {
                    "number": window.number,
                    "label": window.label,
                    "kind": window.kind,
                    "categories": [c.pk for c in window.categories.all()],
                },
            )
        super().__init__(*args, **kwargs)
        self.window = window
        self.fields["categories"] = forms.ModelMultipleChoiceField(
            label=_("办理的业务类别"),
            queryset=ServiceCategory.objects.filter(hall=hall).order_by("position", "letter"),
            required=False,
            widget=forms.CheckboxSelectMultiple,
        )
