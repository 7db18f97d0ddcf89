"""Your data: download everything, or close the account."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from accounts.permissions import AuthenticatedHttpRequest
from diagnosis.services import your_data


@login_required
@require_http_methods(["GET", "POST"])
def page(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The "your data" page; POST closes the account once the person typed their email (or,
    for an account made with a mobile number, that number)."""
    if request.method == "POST":
        typed = request.POST.get("confirm_email", "").strip().lower().replace(" ", "")
        if typed != request.user.sign_in_name.lower():
            messages.error(request, "Type it exactly to confirm.")
        else:
            your_data.account_close(user=request.user)
            logout(request)
            messages.success(
                request, "Your account is closed. Your uploads and results are being deleted."
            )
            return redirect("home")
    return render(request, "diagnosis/your_data.html", {})


@login_required
@require_GET
def export(request: AuthenticatedHttpRequest) -> FileResponse:
    return FileResponse(
        your_data.data_export_open(user=request.user),
        as_attachment=True,
        filename="my-ecg-data.zip",
        content_type="application/zip",
    )
