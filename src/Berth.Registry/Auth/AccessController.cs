using System.Net.Http.Headers;
using System.Text;

namespace Berth.Registry.Auth;

/// <summary>
/// Decides whether a request may have the accesses it needs (distribution's AccessController).
/// Implementations: <see cref="BasicAccessController"/> (htpasswd) and <see cref="TokenAccessController"/>.
/// </summary>
public interface IAccessController
{
    AuthDecision Authorize(HttpRequest request, IReadOnlyList<ResourceAccess> required);
}

/// <summary>Either the authenticated user (null: anonymous) or the challenge to send with 401.</summary>
public sealed record AuthDecision(bool Allowed, string? User, string? Challenge)
{
    public static AuthDecision Allow(string? user) => new(true, user, null);
    public static AuthDecision Deny(string challenge) => new(false, null, challenge);
}

public static class BasicCredentials
{
    /// <summary>(user, password) from <c>Authorization: Basic …</c>; null when absent or malformed.</summary>
    public static (string User, string Password)? From(HttpRequest request)
    {
        if (!AuthenticationHeaderValue.TryParse(request.Headers.Authorization.ToString(), out var header)
            || !header.Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase) || header.Parameter is null)
            return null;
        string text;
        try
        {
            text = Encoding.UTF8.GetString(Convert.FromBase64String(header.Parameter));
        }
        catch (FormatException)
        {
            return null;
        }
        var colon = text.IndexOf(':');
        return colon < 0 ? null : (text[..colon], text[(colon + 1)..]);
    }
}

/// <summary>htpasswd mode: any user in the file may do anything, as in distribution.</summary>
public sealed class BasicAccessController(Htpasswd users, string realm) : IAccessController
{
    public AuthDecision Authorize(HttpRequest request, IReadOnlyList<ResourceAccess> required) =>
        BasicCredentials.From(request) is { } credentials && users.Verify(credentials.User, credentials.Password)
            ? AuthDecision.Allow(credentials.User)
            : AuthDecision.Deny($"Basic realm=\"{realm}\"");
}
