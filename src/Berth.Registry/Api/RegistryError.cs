using System.Net;

namespace Berth.Registry.Api;

/// <summary>An error the distribution spec names: the HTTP status and the JSON <c>code</c>.</summary>
public sealed class RegistryError(HttpStatusCode status, string code, string message, Dictionary<string, string>? detail = null)
    : Exception(message)
{
    public HttpStatusCode Status { get; } = status;
    public string Code { get; } = code;
    public Dictionary<string, string>? Detail { get; } = detail;

    public static RegistryError BlobUnknown(string digest) =>
        new(HttpStatusCode.NotFound, "BLOB_UNKNOWN", "blob unknown to registry", new() { ["digest"] = digest });
    public static RegistryError UploadUnknown(string id) =>
        new(HttpStatusCode.NotFound, "BLOB_UPLOAD_UNKNOWN", "blob upload unknown to registry", new() { ["uuid"] = id });
    public static RegistryError UploadInvalid(string message) =>
        new(HttpStatusCode.BadRequest, "BLOB_UPLOAD_INVALID", message);
    public static RegistryError DigestInvalid(string message) =>
        new(HttpStatusCode.BadRequest, "DIGEST_INVALID", message);
    public static RegistryError ManifestBlobUnknown(string digest) =>
        new(HttpStatusCode.BadRequest, "MANIFEST_BLOB_UNKNOWN", "manifest references a manifest or blob unknown to registry", new() { ["digest"] = digest });
    public static RegistryError ManifestInvalid(string message) =>
        new(HttpStatusCode.BadRequest, "MANIFEST_INVALID", message);
    public static RegistryError ManifestUnknown(string reference) =>
        new(HttpStatusCode.NotFound, "MANIFEST_UNKNOWN", "manifest unknown to registry", new() { ["reference"] = reference });
    public static RegistryError TagInvalid(string tag) =>
        new(HttpStatusCode.BadRequest, "TAG_INVALID", "manifest tag did not match URI", new() { ["tag"] = tag });
    public static RegistryError NameInvalid(string name) =>
        new(HttpStatusCode.BadRequest, "NAME_INVALID", "invalid repository name", new() { ["name"] = name });
    public static RegistryError NameUnknown(string name) =>
        new(HttpStatusCode.NotFound, "NAME_UNKNOWN", "repository name not known to registry", new() { ["name"] = name });
    public static RegistryError Unsupported(string message) =>
        new(HttpStatusCode.MethodNotAllowed, "UNSUPPORTED", message);
    public static RegistryError NotFound() =>
        new(HttpStatusCode.NotFound, "NOT_FOUND", "no such endpoint");
}
