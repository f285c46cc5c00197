using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Berth.Engine.Distribution.Auth;
using Microsoft.AspNetCore.Http;

namespace Berth.Daemon.Routes;

/// <summary>docker's AuthConfig: the body of POST /auth and, base64url-encoded, the X-Registry-Auth header.</summary>
internal sealed class AuthConfig
{
    [JsonPropertyName("username")] public string? Username { get; set; }
    [JsonPropertyName("password")] public string? Password { get; set; }
    /// <summary>base64("user:password"), as docker's config.json stores it.</summary>
    [JsonPropertyName("auth")] public string? Auth { get; set; }
    [JsonPropertyName("email")] public string? Email { get; set; }
    [JsonPropertyName("serveraddress")] public string? ServerAddress { get; set; }
    [JsonPropertyName("identitytoken")] public string? IdentityToken { get; set; }
    [JsonPropertyName("registrytoken")] public string? RegistryToken { get; set; }

    public RegistryCredentials ToCredentials()
    {
        var username = Username;
        var password = Password;
        if (string.IsNullOrEmpty(username) && !string.IsNullOrEmpty(Auth))
        {
            try
            {
                var pair = Encoding.UTF8.GetString(Convert.FromBase64String(Auth));
                var colon = pair.IndexOf(':');
                if (colon > 0) (username, password) = (pair[..colon], pair[(colon + 1)..]);
            }
            catch (FormatException) { }
        }
        return new RegistryCredentials(username, password, ServerAddress, IdentityToken, RegistryToken);
    }
}

/// <summary>POST /auth's answer.</summary>
internal sealed class AuthResponse
{
    public string Status { get; set; } = "";
    public string IdentityToken { get; set; } = "";
}

[JsonSourceGenerationOptions(PropertyNameCaseInsensitive = true)]
[JsonSerializable(typeof(AuthConfig))]
[JsonSerializable(typeof(AuthResponse))]
internal sealed partial class RegistryAuthJsonContext : JsonSerializerContext;

internal static class RegistryAuthHeader
{
    /// <summary>
    /// The credentials in X-Registry-Auth (base64url JSON, padded or not). An absent or undecodable
    /// header means anonymous access, as with dockerd.
    /// </summary>
    public static RegistryCredentials Read(HttpContext context)
    {
        var header = context.Request.Headers["X-Registry-Auth"].ToString();
        if (string.IsNullOrWhiteSpace(header)) return RegistryCredentials.Anonymous;
        try
        {
            var base64 = header.Trim().Replace('-', '+').Replace('_', '/');
            base64 = base64.PadRight(base64.Length + (4 - base64.Length % 4) % 4, '=');
            var config = JsonSerializer.Deserialize(Convert.FromBase64String(base64), RegistryAuthJsonContext.Default.AuthConfig);
            return config?.ToCredentials() ?? RegistryCredentials.Anonymous;
        }
        catch (Exception e) when (e is FormatException or JsonException)
        {
            return RegistryCredentials.Anonymous;
        }
    }
}
