"""Leaked tokens die in seconds: revocation by whoever holds one, and GitHub's webhook."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, permissions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.http.clientip import client_ip
from accounts.http.schema import ErrorSerializer
from accounts.leaks import github, revocation
from accounts.leaks.serializers import (
    RevokedSerializer,
    SecretScanningLabelSerializer,
    SecretScanningMatchSerializer,
    TokenRevokeSerializer,
)
from accounts.ratelimit.throttling import RevokeRateThrottle
from accounts.security_log import event
from accounts.tokens import keys as tokens
from accounts.tokens.permissions import TokenHasScope

REVOKED = _("Thank you. Any of these tokens that worked has been revoked and its owner told.")
BAD_SIGNATURE = _("The request is not signed by a known secret scanning key.")


class TokenRevokeView(generics.GenericAPIView):
    """Revoke a token you found (RFC 7009): no authentication, the same answer for any token."""

    # Whoever holds a token may kill it; answering alike for every token tells them nothing.
    authentication_classes: list = []
    permission_classes = [permissions.AllowAny, TokenHasScope]
    throttle_classes = [RevokeRateThrottle]
    serializer_class = TokenRevokeSerializer

    @extend_schema(responses={200: RevokedSerializer})
    def post(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        where = _("reported to the revocation endpoint from %(ip)s") % {"ip": client_ip(request)}
        revocation.revoke_reported(serializer.validated_data["tokens"], str(where), request)
        return Response({"detail": REVOKED})


class GitHubSecretScanningView(APIView):
    """GitHub's secret scanning partner webhook: revoke every live token it found."""

    authentication_classes: list = []
    permission_classes = [permissions.AllowAny, TokenHasScope]

    @extend_schema(
        request=SecretScanningMatchSerializer(many=True),
        parameters=[
            OpenApiParameter(
                "Github-Public-Key-Identifier",
                location=OpenApiParameter.HEADER,
                required=True,
                description=_("The id of the key in GitHub's published list."),
            ),
            OpenApiParameter(
                "Github-Public-Key-Signature",
                location=OpenApiParameter.HEADER,
                required=True,
                description=_("Base64 DER ECDSA P-256 / SHA-256 signature of the raw body."),
            ),
        ],
        responses={
            200: SecretScanningLabelSerializer(many=True),
            400: OpenApiResponse(
                ErrorSerializer,
                description=_("Not a JSON list of matches."),
                examples=[OpenApiExample("Not a list", value={"detail": str(github.NOT_A_LIST)})],
            ),
            401: OpenApiResponse(
                ErrorSerializer,
                description=_("Unsigned, badly signed, or signed with an unknown key."),
                examples=[OpenApiExample("Bad signature", value={"detail": str(BAD_SIGNATURE)})],
            ),
        },
    )
    def post(self, request):
        # The signature covers the raw bytes, so they are checked before anything parses them.
        body = request.body
        if not github.verify(
            body,
            request.headers.get("Github-Public-Key-Identifier"),
            request.headers.get("Github-Public-Key-Signature"),
        ):
            event("secret_scanning.bad_signature", request)
            return Response({"detail": BAD_SIGNATURE}, status=status.HTTP_401_UNAUTHORIZED)
        try:
            matches = github.parse_matches(body)
        except ValueError as error:
            return Response({"detail": str(error)}, status=status.HTTP_400_BAD_REQUEST)
        found = revocation.find(match["token"] for match in matches)
        answer, revoked = [], 0
        for match in matches:
            token = found.get(match["token"])
            if token is not None:
                where = match["url"] or _("GitHub secret scanning")
                if match["source"]:
                    where = f"{where} ({match['source']}, found by GitHub secret scanning)"
                revoked += revocation.revoke_leaked(token, str(where), url=match["url"])
            answer.append(
                {
                    "token_hash": tokens.digest(match["token"]),
                    "token_type": match["type"],
                    # Ours, live or already revoked: a real token of ours was published.
                    "label": "true_positive" if token is not None else "false_positive",
                }
            )
        event("token.leak_reported", request, source="github", found=len(found), revoked=revoked)
        return Response(answer)
