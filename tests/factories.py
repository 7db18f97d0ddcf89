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
