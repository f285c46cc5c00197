using System.Net.Http.Headers;
using Berth.Registry.Hosting;

namespace Berth.Registry.Auth;

/// <summary>
/// Token mode: requests carry <c>Authorization: Bearer</c> with a token from <see cref="TokenServer"/>.
/// Without one the challenge names the realm, service and scope the client should ask for; with
/// an invalid one it adds <c>error="invalid_token"</c>, and with one lacking an action
/// <c>error="insufficient_scope"</c> (RFC 6750, as distribution answers).
/// </summary>
public sealed class TokenAccessController(TokenSigner signer, TokenSettings settings, TimeProvider clock) : IAccessController
{
    public AuthDecision Authorize(HttpRequest request, IReadOnlyList<ResourceAccess> required)
    {
        if (!AuthenticationHeaderValue.TryParse(request.Headers.Authorization.ToString(), out var header)
            || !header.Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase) || string.IsNullOrEmpty(header.Parameter))
            return AuthDecision.Deny(Challenge(request, required, null));
        var claims = signer.Verify(header.Parameter, settings.Issuer, settings.Service, clock.GetUtcNow());
        if (claims is null) return AuthDecision.Deny(Challenge(request, required, "invalid_token"));
        foreach (var access in required)
        {
            var granted = claims.Access.Any(a => a.Type == access.Type && a.Name == access.Name && a.Actions.Contains(access.Action));
            if (!granted) return AuthDecision.Deny(Challenge(request, required, "insufficient_scope"));
        }
        return AuthDecision.Allow(claims.Subject.Length == 0 ? null : claims.Subject);
    }

    private string Challenge(HttpRequest request, IReadOnlyList<ResourceAccess> required, string? error)
    {
        var challenge = $"Bearer realm=\"{TokenServer.RealmFor(request, settings)}\",service=\"{settings.Service}\"";
        if (required.Count > 0) challenge += $",scope=\"{ResourceAccess.Scope(required)}\"";
        if (error is not null) challenge += $",error=\"{error}\"";
        return challenge;
    }
}
