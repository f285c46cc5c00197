using Berth.EngineApi.Models;
using Berth.EngineApi.Serialization;

namespace Berth.EngineApi.Client;

/// <summary>What GET /_ping says about the daemon.</summary>
public sealed record PingResult(string? ApiVersion, string? OSType, bool Experimental, string? BuilderVersion);

public sealed partial class EngineClient
{
    /// <summary>GET /_ping (unversioned).</summary>
    public async Task<PingResult> PingAsync(CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/_ping");
        using var response = await SendRawAsync(request, cancellationToken, headersOnly: false).ConfigureAwait(false);
        if ((int)response.StatusCode >= 400)
        {
            throw await ToExceptionAsync(response, cancellationToken).ConfigureAwait(false);
        }
        string? Header(string name) => response.Headers.TryGetValues(name, out var v) ? v.FirstOrDefault() : null;
        return new PingResult(Header("API-Version"), Header("OSType"),
            string.Equals(Header("Docker-Experimental"), "true", StringComparison.OrdinalIgnoreCase), Header("Builder-Version"));
    }

    /// <summary>GET /version.</summary>
    public Task<SystemVersion> GetVersionAsync(CancellationToken cancellationToken = default) =>
        GetJsonAsync("/version", EngineJson.Context.SystemVersion, cancellationToken);

    /// <summary>GET /info.</summary>
    public Task<SystemInfo> GetInfoAsync(CancellationToken cancellationToken = default) =>
        GetJsonAsync("/info", EngineJson.Context.SystemInfo, cancellationToken);
}
