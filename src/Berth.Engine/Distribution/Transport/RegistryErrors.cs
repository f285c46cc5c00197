using System.Text.Json;
using Berth.Core.Distribution;
using Berth.Core.Errors;
using Berth.Core.Oci;

namespace Berth.Engine.Distribution.Transport;

/// <summary>Reads a registry's error body (<see cref="DistributionErrors"/>), whatever the registry.</summary>
public static class RegistryErrorBody
{
    public static DistributionErrors? TryParse(ReadOnlySpan<byte> body)
    {
        if (body.IsEmpty) return null;
        try
        {
            return JsonSerializer.Deserialize(body, OciJsonContext.Default.DistributionErrors) is { Errors.Count: > 0 } parsed ? parsed : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The first error as docker prints it ("manifest unknown: manifest unknown"), or null.</summary>
    public static string? Describe(ReadOnlySpan<byte> body) => TryParse(body)?.Errors[0].ToString();
}

/// <summary>A registry answered with an error status; carries its parsed error codes for callers that word it docker's way.</summary>
public sealed class RegistryException(int httpStatus, DistributionError? error, string message) : BerthException(message)
{
    public int HttpStatus => httpStatus;
    public DistributionError? Error => error;
    public string? Code => error?.Code;

    // dockerd answers registry failures it does not translate as 500 (errdefs.Unknown).
    public override ErrorKind Kind => httpStatus == 401 ? ErrorKind.Unauthorized : ErrorKind.System;

    public static async Task<RegistryException> FromResponseAsync(HttpResponseMessage response, string what, CancellationToken cancellationToken)
    {
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        var error = RegistryErrorBody.TryParse(body)?.Errors[0];
        var status = (int)response.StatusCode;
        var text = error?.ToString() ?? status switch
        {
            401 => "unauthorized: authentication required",
            403 => "denied: requested access to the resource is denied",
            404 => "not found",
            _ => $"unexpected status {status} {response.ReasonPhrase}",
        };
        return new RegistryException(status, error ?? FallbackError(status), $"{what}: {text}");
    }

    private static DistributionError? FallbackError(int status) => status switch
    {
        401 => DistributionError.Of(DistributionErrorCodes.Unauthorized),
        403 => DistributionError.Of(DistributionErrorCodes.Denied),
        _ => null,
    };
}
