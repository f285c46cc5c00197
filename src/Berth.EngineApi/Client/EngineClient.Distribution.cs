using System.Text.Json;
using Berth.EngineApi.Models;
using Berth.EngineApi.Serialization;

namespace Berth.EngineApi.Client;

/// <summary>Pull, push and login: the endpoints that reach a registry through the daemon.</summary>
public sealed partial class EngineClient
{
    /// <summary>The header that carries registry credentials to the daemon.</summary>
    public const string RegistryAuthHeader = "X-Registry-Auth";

    /// <summary>
    /// docker's <c>registry.EncodeAuthConfig</c>: the JSON of <paramref name="auth"/> in base64url
    /// (with padding), the form dockerd decodes from <c>X-Registry-Auth</c>.
    /// </summary>
    public static string EncodeRegistryAuth(AuthConfig auth) =>
        Convert.ToBase64String(JsonSerializer.SerializeToUtf8Bytes(auth, EngineJson.Context.AuthConfig)).Replace('+', '-').Replace('/', '_');

    /// <summary>
    /// The inverse, as dockerd reads the header: base64url JSON, padded or not. Null when the header
    /// is absent or cannot be decoded, which dockerd treats as anonymous access.
    /// </summary>
    public static AuthConfig? DecodeRegistryAuth(string? header)
    {
        if (string.IsNullOrWhiteSpace(header)) return null;
        try
        {
            var base64 = header.Trim().Replace('-', '+').Replace('_', '/');
            base64 = base64.PadRight(base64.Length + (4 - base64.Length % 4) % 4, '=');
            return JsonSerializer.Deserialize(Convert.FromBase64String(base64), EngineJson.Context.AuthConfig);
        }
        catch (Exception e) when (e is FormatException or JsonException)
        {
            return null;
        }
    }

    /// <summary>POST /images/create?fromImage=…: pull with credentials; <paramref name="tag"/> null pulls every tag. The JSON message stream.</summary>
    public async Task<Stream> PullImageAsync(string image, string? tag, string? platform, string registryAuth,
        CancellationToken cancellationToken = default)
    {
        var response = await SendAsync(HttpMethod.Post, "/images/create" + Query(("fromImage", image), ("tag", tag), ("platform", platform)),
            null, cancellationToken, headersOnly: true, [new(RegistryAuthHeader, registryAuth)]).ConfigureAwait(false);
        return await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>POST /images/{name}/push?tag=…; <paramref name="tag"/> null pushes every tag. The JSON message stream.</summary>
    public async Task<Stream> PushImageAsync(string name, string? tag, string registryAuth, CancellationToken cancellationToken = default)
    {
        var response = await SendAsync(HttpMethod.Post, $"/images/{EscName(name)}/push" + Query(("tag", tag)),
            null, cancellationToken, headersOnly: true, [new(RegistryAuthHeader, registryAuth)]).ConfigureAwait(false);
        return await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>POST /auth: has the daemon check credentials against the registry.</summary>
    public async Task<AuthResponse> LoginAsync(AuthConfig auth, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(HttpMethod.Post, "/auth", JsonContent(auth, EngineJson.Context.AuthConfig), cancellationToken)
            .ConfigureAwait(false);
        return await ReadJsonAsync(response, EngineJson.Context.AuthResponse, cancellationToken).ConfigureAwait(false);
    }
}
