"""factory_boy factories. Users come with a confirmed email so they can log in."""

from __future__ import annotations

import factory
from allauth.account.models import EmailAddress

from accounts.models import (
    ApplicationStatus,
    DoctorApplication,
    DoctorProfile,
    Role,
    Specialty,
    User,
)

PASSWORD = "correct-horse-battery-9"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    full_name = factory.Faker("name")
    role = Role.PATIENT
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def confirmed_email(obj, create, extracted, **kwargs):
        obj.save()
        if create and extracted is not False:
            EmailAddress.objects.create(user=obj, email=obj.email, verified=True, primary=True)


class DoctorApplicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DoctorApplication

    user = factory.SubFactory(UserFactory)
    full_name = factory.LazyAttribute(lambda o: o.user.full_name)
    licence_number = factory.Sequence(lambda n: f"LIC-{n:06d}")
    specialty = Specialty.CARDIOLOGY
    workplace = "City Heart Clinic"
    status = ApplicationStatus.PENDING


class DoctorFactory(UserFactory):
    role = Role.DOCTOR

    @factory.post_generation
    def profile(obj, create, extracted, **kwargs):
        if not create:
            return
        application = DoctorApplicationFactory(user=obj, status=ApplicationStatus.APPROVED)
        DoctorProfile.objects.create(
            user=obj,
            licence_number=application.licence_number,
            specialty=application.specialty,
            workplace=application.workplace,
            application=application,
        )


class AdminFactory(UserFactory):
    role = Role.ADMIN
    is_staff = True


class ModelVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "diagnosis.ModelVersion"
        django_get_or_create = ("version",)

    version = "test-model-1"
    directory = "test-model-1"
    is_active = True
    metadata = factory.LazyFunction(
        lambda: {
            "aami_map": {"NOR": "N", "PVC": "V"},
            "metrics": {
                "inter_patient_DS2": {
                    "classes8_per_class": {
                        "NOR": {"se": 0.95, "ppv": 0.9},
                        "PVC": {"se": 0.9, "ppv": 0.8},
                    },
                    "aami_per_class": {
                        "N": {"se": 0.95, "ppv": 0.96},
                        "V": {"se": 0.9, "ppv": 0.8},
                    },
                }
            },
        }
    )


BEAT_RESULT = {
    "input": "beat_image",
    "label": "PVC",
    "aami": "V",
    "confidence": 0.93,
    "probabilities": {"NOR": 0.05, "PVC": 0.93, "APC": 0.02},
    "uncertain": False,
    "model": "test-model-1",
}


class RecordingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "diagnosis.Recording"

    owner = factory.SubFactory(UserFactory)
    kind = "beat_image"
    file_format = "png"
    original_name = "beat.png"
    size_bytes = 3
    sha256 = factory.Sequence(lambda n: f"{n:064x}")
    file = factory.django.FileField(filename="x.png", data=b"png")


class AnalysisFactory(factory.django.DjangoModelFactory):
    """A finished beat-image analysis (no engine run)."""

    class Meta:
        model = "diagnosis.Analysis"

    recording = factory.SubFactory(RecordingFactory)
    status = "done"
    label = "PVC"
    confidence = 0.93
    result = factory.LazyFunction(lambda: dict(BEAT_RESULT))
    model_version = factory.SubFactory(ModelVersionFactory)
