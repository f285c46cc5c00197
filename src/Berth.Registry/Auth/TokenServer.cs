using System.Security.Cryptography;
using Berth.Core.Distribution;
using Berth.Core.Oci;
using Berth.Registry.Api;
using Berth.Registry.Hosting;

namespace Berth.Registry.Auth;

/// <summary>
/// The realm of token mode, <c>GET /auth/token?service=S&amp;scope=repository:NAME:pull,push&amp;account=U</c>
/// (docker's token spec). Basic credentials are checked against the htpasswd users; without
/// credentials the caller is anonymous. The token grants the requested actions that
/// <see cref="AccessPolicy"/> allows (possibly none): an unauthorized scope is not an error
/// here, the registry answers it with insufficient_scope.
/// </summary>
public sealed class TokenServer(TokenSigner signer, TokenSettings settings, AccessPolicy policy, Htpasswd? users, string basicRealm, TimeProvider clock)
{
    public const string PathValue = "/auth/token";

    /// <summary>The configured realm, or this server's own endpoint as the client reached it.</summary>
    public static string RealmFor(HttpRequest request, TokenSettings settings) =>
        settings.Realm ?? $"{request.Scheme}://{request.Host}{PathValue}";

    /// <summary>Answers the request; returns the authenticated user (null: anonymous or refused) for the access log.</summary>
    public async Task<string?> HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var response = context.Response;
        if (request.Method != "GET")
        {
            response.Headers.Allow = "GET";
            await AuthErrors.WriteAsync(response, RegistryError.Unsupported($"{request.Method} is not supported on {PathValue}"));
            return null;
        }
        string? user = null;
        if (BasicCredentials.From(request) is { } credentials)
        {
            if (users is null || !users.Verify(credentials.User, credentials.Password))
            {
                await AuthErrors.UnauthorizedAsync(response, $"Basic realm=\"{basicRealm}\"", "invalid username or password");
                return null;
            }
            user = credentials.User;
        }
        var account = request.Query["account"].FirstOrDefault();
        if (!string.IsNullOrEmpty(account) && account != user)
        {
            await AuthErrors.UnauthorizedAsync(response, $"Basic realm=\"{basicRealm}\"", $"credentials are required for account \"{account}\"");
            return null;
        }
        var service = request.Query["service"].FirstOrDefault();
        if (!string.IsNullOrEmpty(service) && service != settings.Service)
        {
            await AuthErrors.WriteAsync(response, new RegistryError(DistributionErrorCodes.Denied, $"unknown service \"{service}\"", status: System.Net.HttpStatusCode.BadRequest));
            return user;
        }

        var access = new List<TokenAccess>();
        foreach (var scope in request.Query["scope"].SelectMany(s => (s ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries)))
        {
            if (ParseScope(scope) is not { } parsed) continue;
            var (type, name, actions) = parsed;
            var granted = policy.Grant(user, type, name, actions);
            if (granted.Count > 0) access.Add(new TokenAccess(type, name, granted));
        }
        var now = clock.GetUtcNow();
        var claims = new TokenClaims(settings.Issuer, user ?? "", settings.Service,
            now.Add(settings.Expiration).ToUnixTimeSeconds(), now.ToUnixTimeSeconds(), now.ToUnixTimeSeconds(),
            Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)), access);
        var token = signer.Sign(claims);
        response.Headers.CacheControl = "no-store";
        await RegistryRouter.WriteJsonAsync(response,
            new TokenResponse { Token = token, AccessToken = token, ExpiresIn = (int)settings.Expiration.TotalSeconds, IssuedAt = now },
            OciJsonContext.Default.TokenResponse);
        return user;
    }

    /// <summary>TYPE:NAME:ACTION[,ACTION…]; the name may itself hold colons (a registry host with a port).</summary>
    public static (string Type, string Name, string[] Actions)? ParseScope(string scope)
    {
        var first = scope.IndexOf(':');
        var last = scope.LastIndexOf(':');
        if (first <= 0 || last <= first + 1) return null;
        var type = scope[..first];
        // A resource class ("repository(plugin)") does not change what is granted here.
        var paren = type.IndexOf('(');
        if (paren > 0) type = type[..paren];
        return (type, scope[(first + 1)..last], scope[(last + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries));
    }
}
