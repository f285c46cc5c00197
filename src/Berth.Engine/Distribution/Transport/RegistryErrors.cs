using System.Text.Json;
using System.Text.Json.Serialization;
using Berth.Core.Errors;

namespace Berth.Engine.Distribution.Transport;

/// <summary>A registry's error body: {"errors":[{"code":"MANIFEST_UNKNOWN","message":"…","detail":…}]}.</summary>
public sealed class RegistryErrorBody
{
    [JsonPropertyName("errors")] public List<RegistryError> Errors { get; set; } = [];

    public static RegistryErrorBody? TryParse(ReadOnlySpan<byte> body)
    {
        if (body.IsEmpty) return null;
        try
        {
            return JsonSerializer.Deserialize(body, DistributionJsonContext.Default.RegistryErrorBody) is { Errors.Count: > 0 } parsed ? parsed : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The first error as docker prints it ("manifest unknown: manifest unknown"), or null.</summary>
    public static string? Describe(ReadOnlySpan<byte> body) => TryParse(body)?.Errors[0].ToString();
}

public sealed class RegistryError
{
    [JsonPropertyName("code")] public string Code { get; set; } = "";
    [JsonPropertyName("message")] public string? Message { get; set; }

    /// <summary>distribution's errcode.Error text: the code in lower case with spaces, then the message.</summary>
    public override string ToString() => $"{Code.ToLowerInvariant().Replace('_', ' ')}: {Message}";
}

/// <summary>A registry answered with an error status; carries its parsed error codes for callers that word it docker's way.</summary>
public sealed class RegistryException(int httpStatus, RegistryError? error, string message) : BerthException(message)
{
    public int HttpStatus => httpStatus;
    public RegistryError? Error => error;
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

    private static RegistryError? FallbackError(int status) => status switch
    {
        401 => new RegistryError { Code = "UNAUTHORIZED", Message = "authentication required" },
        403 => new RegistryError { Code = "DENIED", Message = "requested access to the resource is denied" },
        _ => null,
    };
}
