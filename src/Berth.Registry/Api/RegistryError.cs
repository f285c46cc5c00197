using System.Net;
using Berth.Core.Distribution;

namespace Berth.Registry.Api;

/// <summary>
/// An error the registry answers with: a <see cref="DistributionErrorCodes"/> code, its message and
/// detail, and the HTTP status (the code's own unless <c>status</c> says otherwise).
/// </summary>
public sealed class RegistryError(string code, string message, Dictionary<string, string>? detail = null, HttpStatusCode? status = null)
    : Exception(message)
{
    public HttpStatusCode Status { get; } = status ?? DistributionErrorCodes.StatusOf(code);
    public string Code { get; } = code;
    public Dictionary<string, string>? Detail { get; } = detail;

    /// <summary>The <c>{"errors":[…]}</c> body that reports this error.</summary>
    public DistributionErrors ToBody() => new() { Errors = [new DistributionError(Code, Message, Detail)] };

    public static RegistryError BlobUnknown(string digest) =>
        Of(DistributionErrorCodes.BlobUnknown, new() { ["digest"] = digest });
    public static RegistryError UploadUnknown(string id) =>
        Of(DistributionErrorCodes.BlobUploadUnknown, new() { ["uuid"] = id });
    public static RegistryError UploadInvalid(string message) =>
        new(DistributionErrorCodes.BlobUploadInvalid, message);
    public static RegistryError DigestInvalid(string message) =>
        new(DistributionErrorCodes.DigestInvalid, message);
    public static RegistryError ManifestBlobUnknown(string digest) =>
        Of(DistributionErrorCodes.ManifestBlobUnknown, new() { ["digest"] = digest });
    public static RegistryError ManifestInvalid(string message) =>
        new(DistributionErrorCodes.ManifestInvalid, message);
    public static RegistryError ManifestUnknown(string reference) =>
        Of(DistributionErrorCodes.ManifestUnknown, new() { ["reference"] = reference });
    public static RegistryError TagInvalid(string tag) =>
        Of(DistributionErrorCodes.TagInvalid, new() { ["tag"] = tag });
    public static RegistryError NameInvalid(string name) =>
        Of(DistributionErrorCodes.NameInvalid, new() { ["name"] = name });
    public static RegistryError NameUnknown(string name) =>
        Of(DistributionErrorCodes.NameUnknown, new() { ["name"] = name });
    public static RegistryError Unsupported(string message) =>
        new(DistributionErrorCodes.Unsupported, message);
    public static RegistryError NotFound() =>
        Of(DistributionErrorCodes.NotFound);

    /// <summary>An error with the code's default message.</summary>
    public static RegistryError Of(string code, Dictionary<string, string>? detail = null) =>
        new(code, DistributionErrorCodes.MessageOf(code), detail);
}
