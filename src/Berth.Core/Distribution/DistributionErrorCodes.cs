using System.Net;

namespace Berth.Core.Distribution;

/// <summary>
/// The error codes of the OCI distribution spec ("Error Codes" table), plus the few that
/// distribution and berth-registry add, each with the HTTP status a registry answers it with and
/// its default message (distribution's errcode descriptors). The engine matches codes it gets back;
/// berth-registry answers with them.
/// </summary>
public static class DistributionErrorCodes
{
    public const string BlobUnknown = "BLOB_UNKNOWN";
    public const string BlobUploadInvalid = "BLOB_UPLOAD_INVALID";
    public const string BlobUploadUnknown = "BLOB_UPLOAD_UNKNOWN";
    public const string DigestInvalid = "DIGEST_INVALID";
    public const string ManifestBlobUnknown = "MANIFEST_BLOB_UNKNOWN";
    public const string ManifestInvalid = "MANIFEST_INVALID";
    public const string ManifestUnknown = "MANIFEST_UNKNOWN";
    public const string NameInvalid = "NAME_INVALID";
    public const string NameUnknown = "NAME_UNKNOWN";
    public const string SizeInvalid = "SIZE_INVALID";
    public const string Unauthorized = "UNAUTHORIZED";
    public const string Denied = "DENIED";
    public const string Unsupported = "UNSUPPORTED";
    public const string TooManyRequests = "TOOMANYREQUESTS";

    // Not in the spec's table: distribution's own codes, and berth-registry's answer for an unknown route.
    public const string TagInvalid = "TAG_INVALID";
    public const string PaginationNumberInvalid = "PAGINATION_NUMBER_INVALID";
    public const string Unknown = "UNKNOWN";
    public const string NotFound = "NOT_FOUND";

    /// <summary>code → (HTTP status, default message).</summary>
    private static readonly Dictionary<string, (HttpStatusCode Status, string Message)> Table = new(StringComparer.Ordinal)
    {
        [BlobUnknown] = (HttpStatusCode.NotFound, "blob unknown to registry"),
        [BlobUploadInvalid] = (HttpStatusCode.BadRequest, "blob upload invalid"),
        [BlobUploadUnknown] = (HttpStatusCode.NotFound, "blob upload unknown to registry"),
        [DigestInvalid] = (HttpStatusCode.BadRequest, "provided digest did not match uploaded content"),
        [ManifestBlobUnknown] = (HttpStatusCode.BadRequest, "manifest references a manifest or blob unknown to registry"),
        [ManifestInvalid] = (HttpStatusCode.BadRequest, "manifest invalid"),
        [ManifestUnknown] = (HttpStatusCode.NotFound, "manifest unknown to registry"),
        [NameInvalid] = (HttpStatusCode.BadRequest, "invalid repository name"),
        [NameUnknown] = (HttpStatusCode.NotFound, "repository name not known to registry"),
        [SizeInvalid] = (HttpStatusCode.BadRequest, "provided length did not match content length"),
        [Unauthorized] = (HttpStatusCode.Unauthorized, "authentication required"),
        [Denied] = (HttpStatusCode.Forbidden, "requested access to the resource is denied"),
        [Unsupported] = (HttpStatusCode.MethodNotAllowed, "the operation is unsupported"),
        [TooManyRequests] = (HttpStatusCode.TooManyRequests, "too many requests"),
        [TagInvalid] = (HttpStatusCode.BadRequest, "manifest tag did not match URI"),
        [PaginationNumberInvalid] = (HttpStatusCode.BadRequest, "invalid number of results requested"),
        [Unknown] = (HttpStatusCode.InternalServerError, "unknown error"),
        [NotFound] = (HttpStatusCode.NotFound, "no such endpoint"),
    };

    /// <summary>The HTTP status that goes with <paramref name="code"/>; 500 for a code not in the table.</summary>
    public static HttpStatusCode StatusOf(string code) =>
        Table.TryGetValue(code, out var entry) ? entry.Status : HttpStatusCode.InternalServerError;

    /// <summary>The default message of <paramref name="code"/>; the code itself for one not in the table.</summary>
    public static string MessageOf(string code) =>
        Table.TryGetValue(code, out var entry) ? entry.Message : code;
}
