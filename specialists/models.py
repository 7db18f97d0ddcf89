"""The specialists directory and the condition (heart health) information pages.

Both are public reference data: anyone may read them, only administrators change them
(in the Django admin, or for specialists by CSV import through ``specialists_import``).
"""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator, URLValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse


class Specialty(models.TextChoices):
    """What a directory listing is for. Labels name the person, as patients search for them."""

    CARDIOLOGY = "cardiology", "Cardiologist"
    ELECTROPHYSIOLOGY = "electrophysiology", "Electrophysiologist (heart rhythm)"
    HEART_FAILURE = "heart_failure", "Heart failure specialist"
    PEDIATRIC_CARDIOLOGY = "pediatric_cardiology", "Paediatric cardiologist"
    CARDIAC_SURGERY = "cardiac_surgery", "Cardiac surgeon"
    GENERAL_PRACTICE = "general_practice", "General practitioner"


class BeatClass(models.TextChoices):
    """The eight beat types the model reports (ARCHITECTURE.md, "Classes")."""

    NOR = "NOR", "Normal beat"
    LBB = "LBB", "Left bundle branch block beat"
    RBB = "RBB", "Right bundle branch block beat"
    APC = "APC", "Atrial premature contraction"
    PVC = "PVC", "Premature ventricular contraction"
    PAB = "PAB", "Paced beat"
    VEB = "VEB", "Ventricular escape beat"
    VFW = "VFW", "Ventricular flutter wave"


LATITUDE_VALIDATORS = [MinValueValidator(Decimal(-90)), MaxValueValidator(Decimal(90))]
LONGITUDE_VALIDATORS = [MinValueValidator(Decimal(-180)), MaxValueValidator(Decimal(180))]
# Only web links: a website is rendered as an href, so no javascript: or data: URLs.
WEB_URL_VALIDATOR = URLValidator(schemes=["http", "https"])


class SpecialistQuerySet(models.QuerySet["Specialist"]):
    def listed(self) -> SpecialistQuerySet:
        """The one access helper: every page and service starts here.

        The directory is public, so this is every row, in the directory's order.
        """
        return self.order_by("name", "city", "pk")

    def matching(
        self, *, text: str = "", specialty: str = "", city: str = ""
    ) -> SpecialistQuerySet:
        """Filter by free text (name or clinic), an exact specialty and a city (any case)."""
        queryset = self
        if text:
            queryset = queryset.filter(Q(name__icontains=text) | Q(clinic__icontains=text))
        if specialty:
            queryset = queryset.filter(specialty=specialty)
        if city:
            queryset = queryset.filter(city__iexact=city)
        return queryset


class Specialist(models.Model):
    """A heart specialist patients can contact. Not a site user; a directory entry.

    The natural key is name + clinic + city, compared without case: the CSV import and the
    database both refuse a second row with the same key.
    """

    name = models.CharField(max_length=150)
    specialty = models.CharField(max_length=32, choices=Specialty.choices)
    clinic = models.CharField("clinic or hospital", max_length=200)
    address = models.CharField(max_length=300, blank=True)
    city = models.CharField(max_length=100)
    country = models.CharField(max_length=100)
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)
    website = models.CharField(max_length=300, blank=True, validators=[WEB_URL_VALIDATOR])
    latitude = models.DecimalField(max_digits=9, decimal_places=6, validators=LATITUDE_VALIDATORS)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, validators=LONGITUDE_VALIDATORS)
    languages = models.CharField(
        max_length=200, blank=True, help_text="Comma-separated, e.g. English, French"
    )
    accepting_new_patients = models.BooleanField(default=True)
    is_demo = models.BooleanField(
        "demo listing",
        default=False,
        help_text="Sample data for trying the site. Shown with a 'Demo listing' badge.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SpecialistQuerySet.as_manager()

    class Meta:
        ordering = ["name", "city"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"), Lower("clinic"), Lower("city"), name="specialist_natural_key"
            ),
            models.CheckConstraint(
                condition=Q(latitude__gte=-90) & Q(latitude__lte=90),
                name="specialist_latitude_range",
            ),
            models.CheckConstraint(
                condition=Q(longitude__gte=-180) & Q(longitude__lte=180),
                name="specialist_longitude_range",
            ),
        ]
        indexes = [models.Index(fields=["city"]), models.Index(fields=["specialty"])]

    def __str__(self) -> str:
        return f"{self.name}, {self.clinic} ({self.city})"

    @property
    def natural_key_text(self) -> tuple[str, str, str]:
        return natural_key(self.name, self.clinic, self.city)

    @property
    def language_list(self) -> list[str]:
        return [part.strip() for part in self.languages.split(",") if part.strip()]

    @property
    def phone_href(self) -> str:
        """The phone number as a tel: URI: digits and a leading plus only."""
        digits = "".join(ch for ch in self.phone if ch.isdigit())
        if not digits:
            return ""
        return f"tel:{'+' if self.phone.strip().startswith('+') else ''}{digits}"

    @property
    def website_url(self) -> str:
        """The website for an href: only http(s), even if a row skipped validation."""
        return self.website if self.website.startswith(("https://", "http://")) else ""

    @property
    def map_url(self) -> str:
        """A link to OpenStreetMap at the listing's coordinates (a link, never an embed)."""
        lat, lon = f"{self.latitude:.5f}", f"{self.longitude:.5f}"
        return f"https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=17/{lat}/{lon}"


def natural_key(name: str, clinic: str, city: str) -> tuple[str, str, str]:
    """The case- and space-insensitive identity of a listing (see ``Specialist``)."""
    return (" ".join(name.split()).lower(), " ".join(clinic.split()).lower(), city.strip().lower())


class ConditionKind(models.TextChoices):
    BEAT_TYPE = "beat_type", "Heartbeat types the model reports"
    CONDITION = "condition", "Heart conditions"


class ConditionQuerySet(models.QuerySet["Condition"]):
    def published(self) -> ConditionQuerySet:
        """The one access helper: what the public pages and the result page may show."""
        return self.filter(is_published=True).order_by("kind", "position", "title")


class Condition(models.Model):
    """A plain-English information page, edited by administrators in the Django admin.

    Text fields are plain text: a blank line starts a new paragraph, lines starting with
    "- " make a bullet list. HTML is shown as typed, never interpreted. ``sources`` holds
    one source per line as ``Title | https://address``.
    """

    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=120)
    kind = models.CharField(
        max_length=16, choices=ConditionKind.choices, default=ConditionKind.CONDITION
    )
    class_code = models.CharField(
        "model class code",
        max_length=3,
        choices=BeatClass.choices,
        null=True,
        blank=True,
        unique=True,
        help_text="Set on the page for a beat type the model reports; at most one page each.",
    )
    aami_class = models.CharField("AAMI class", max_length=1, blank=True)
    position = models.PositiveSmallIntegerField(default=100, help_text="Order on the index.")
    summary = models.TextField(help_text="One or two short sentences, shown on the index.")
    what_it_is = models.TextField("what it is")
    symptoms = models.TextField()
    causes = models.TextField("causes and risk factors")
    how_confirmed = models.TextField("how a doctor confirms it")
    emergency = models.TextField("when to get emergency help")
    precautions = models.TextField("what can help")
    sources = models.TextField(help_text="One per line: Title | https://address")
    directory_specialty = models.CharField(
        "specialist to suggest",
        max_length=32,
        choices=Specialty.choices,
        default=Specialty.CARDIOLOGY,
    )
    is_published = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ConditionQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "position", "title"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("conditions:detail", kwargs={"slug": self.slug})

    def source_list(self) -> list[tuple[str, str]]:
        """``(title, url)`` pairs; ``url`` is empty unless it is an http(s) address."""
        pairs = []
        for line in self.sources.splitlines():
            if not line.strip():
                continue
            title, _, url = line.partition("|")
            url = url.strip()
            if not url.startswith(("https://", "http://")):
                url = ""
            pairs.append((title.strip() or url, url))
        return pairs

    def sections(self) -> list[tuple[str, str, bool]]:
        """The page's sections in reading order, as ``(heading, text, is_urgent)``."""
        return [
            ("What it is", self.what_it_is, False),
            ("Signs and symptoms", self.symptoms, False),
            ("Causes and risk factors", self.causes, False),
            ("How a doctor confirms it", self.how_confirmed, False),
            ("When to get emergency help", self.emergency, True),
            ("What can help", self.precautions, False),
        ]
