using Berth.Core.Digests;
using Berth.Registry.Storage;

namespace Berth.Registry.Api;

/// <summary>Blob reads and uploads (monolithic POST, POST+PUT, chunked PATCH, cross-repository mount).</summary>
public sealed class BlobHandlers(RegistryStore store)
{
    public Task GetAsync(HttpContext context, string name, string reference)
    {
        var digest = ParseDigest(reference);
        var size = store.BlobSize(name, digest) ?? throw RegistryError.BlobUnknown(reference);
        var response = context.Response;
        response.ContentType = "application/octet-stream";
        response.ContentLength = size;
        response.Headers["Docker-Content-Digest"] = digest.ToString();
        response.Headers.ETag = $"\"{digest}\"";
        return context.Request.Method == "HEAD"
            ? Task.CompletedTask
            : response.SendFileAsync(store.BlobPath(digest), context.RequestAborted);
    }

    public async Task StartUploadAsync(HttpContext context, string name)
    {
        var query = context.Request.Query;
        if (query["mount"].FirstOrDefault() is { } mount && query["from"].FirstOrDefault() is { } from
            && Digest.TryParse(mount, out var mounted) && RepositoryName.IsValid(from) && store.BlobSize(from, mounted) is not null)
        {
            store.LinkBlob(name, mounted);
            Created(context.Response, name, mounted);
            return;
        }
        if (query["digest"].FirstOrDefault() is { } digestValue)
        {
            var digest = await store.PutBlobAsync(name, context.Request.Body, ParseDigest(digestValue), context.RequestAborted);
            Created(context.Response, name, digest);
            return;
        }
        var id = store.Uploads.Start(name);
        Accepted(context.Response, name, id, 0);
    }

    public Task UploadStatus(HttpContext context, string name, string id)
    {
        var size = store.Uploads.Size(name, id);
        Accepted(context.Response, name, id, size);
        context.Response.StatusCode = StatusCodes.Status204NoContent;
        return Task.CompletedTask;
    }

    public async Task PatchAsync(HttpContext context, string name, string id)
    {
        var (start, end) = ParseContentRange(context.Request.Headers.ContentRange.ToString());
        var size = await store.Uploads.AppendAsync(name, id, context.Request.Body, start, end, context.RequestAborted);
        Accepted(context.Response, name, id, size);
    }

    public async Task CompleteAsync(HttpContext context, string name, string id)
    {
        var digestValue = context.Request.Query["digest"].FirstOrDefault();
        if (digestValue is null)
        {
            // Validate ownership first so an unknown upload is reported as such.
            store.Uploads.DataPath(name, id);
            throw RegistryError.DigestInvalid("the digest query parameter is required");
        }
        var digest = ParseDigest(digestValue);
        var (start, end) = ParseContentRange(context.Request.Headers.ContentRange.ToString());
        await store.Uploads.AppendAsync(name, id, context.Request.Body, start, end, context.RequestAborted);
        await store.CompleteUploadAsync(name, id, digest, context.RequestAborted);
        Created(context.Response, name, digest);
    }

    public Task Cancel(HttpContext context, string name, string id)
    {
        store.Uploads.DataPath(name, id);
        store.Uploads.Delete(id);
        context.Response.StatusCode = StatusCodes.Status204NoContent;
        return Task.CompletedTask;
    }

    private static Digest ParseDigest(string value) =>
        Digest.TryParse(value, out var digest) ? digest : throw RegistryError.DigestInvalid($"invalid or unsupported digest \"{value}\"");

    /// <summary>"start-end" (inclusive); an absent header means "append".</summary>
    private static (long? Start, long? End) ParseContentRange(string value)
    {
        if (string.IsNullOrWhiteSpace(value)) return (null, null);
        var text = value.StartsWith("bytes ", StringComparison.Ordinal) ? value[6..] : value;
        var slash = text.IndexOf('/');
        if (slash >= 0) text = text[..slash];
        var parts = text.Split('-');
        if (parts.Length != 2 || !long.TryParse(parts[0], out var start) || !long.TryParse(parts[1], out var end) || start < 0 || end < start)
            throw RegistryError.UploadInvalid($"invalid Content-Range \"{value}\"");
        return (start, end);
    }

    private static void Created(HttpResponse response, string name, Digest digest)
    {
        response.StatusCode = StatusCodes.Status201Created;
        response.Headers.Location = $"/v2/{name}/blobs/{digest}";
        response.Headers["Docker-Content-Digest"] = digest.ToString();
        response.ContentLength = 0;
    }

    private static void Accepted(HttpResponse response, string name, string id, long size)
    {
        response.StatusCode = StatusCodes.Status202Accepted;
        response.Headers.Location = $"/v2/{name}/blobs/uploads/{id}";
        response.Headers.Range = RegistryRouter.RangeHeader(size);
        response.Headers["Docker-Upload-UUID"] = id;
        response.ContentLength = 0;
    }
}
