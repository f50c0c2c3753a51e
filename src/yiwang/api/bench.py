"""Baselines for the benchmarks in bench/, served only with YIWANG_BENCH=1 (api/urls.py).
Each does the least that the real endpoint it is compared with must also do, so a ratio to
it says what the real endpoint adds."""

from django.db import connection, transaction
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework.response import Response
from rest_framework.views import APIView

from yiwang.notify.models import Message


def bare(request):
    """Django and the server, nothing else."""
    return JsonResponse({"ok": True})


@csrf_exempt
def insert(request):
    """The bare view plus one row written."""
    message = Message.objects.create(channel="site", subject="bench", body="bench")
    return JsonResponse({"id": message.pk}, status=201)


def read(request):
    """The bare view plus one round trip to the database."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        (one,) = cursor.fetchone()
    return JsonResponse({"ok": one == 1})


class InsertAsUser(APIView):
    """One row written by an API call that authenticates its token and reads its body (JSON
    or multipart) as every case endpoint does: what each request of a submission costs at
    the least, whatever the case endpoints do on top."""

    schema = None  # never in the published API

    def post(self, request):
        request.data  # noqa: B018 — parse the body, as a real endpoint must
        extra = int(request.query_params.get("rows", 0))
        if not extra:
            message = Message.objects.create(
                channel="site", subject="bench", body="bench", recipient=request.user
            )
            return Response({"id": message.pk}, status=201)
        # `?rows=n`: n more statements in the same transaction, each the cheapest of its
        # kind — a one-row insert into a bare table (bench/cases/submit.py creates it) — so
        # the request runs as many statements as the real endpoint it stands for.
        with transaction.atomic():
            message = Message.objects.create(
                channel="site", subject="bench", body="bench", recipient=request.user
            )
            with connection.cursor() as cursor:
                for n in range(extra):
                    cursor.execute(
                        "INSERT INTO bench_submit_row (note) VALUES (%s)", [f"statement {n}"]
                    )
        return Response({"id": message.pk}, status=201)
