using Berth.Core.Digests;
using Berth.Registry.Storage;

namespace Berth.Registry.Api;

/// <summary>Blob reads (with Range), deletes, and uploads (monolithic POST, POST+PUT, chunked PATCH, cross-repository mount).</summary>
public sealed class BlobHandlers(RegistryStore store, RegistryApiOptions options)
{
    public async Task GetAsync(HttpContext context, string name, string reference)
    {
        var digest = ParseDigest(reference);
        var cancel = context.RequestAborted;
        var size = await store.BlobSizeAsync(name, digest, cancel) ?? throw RegistryError.BlobUnknown(reference);
        var response = context.Response;
        response.Headers["Docker-Content-Digest"] = digest.ToString();
        response.Headers.ETag = $"\"{digest}\"";
        response.Headers.AcceptRanges = "bytes";
        var range = context.Request.Method == "GET" ? HttpRanges.ParseRange(context.Request.Headers.Range.ToString(), size) : null;
        if (range == HttpRanges.Unsatisfiable)
        {
            response.StatusCode = StatusCodes.Status416RangeNotSatisfiable;
            response.Headers.ContentRange = $"bytes */{size}";
            response.ContentLength = 0;
            return;
        }
        var (offset, length) = range is { } r ? (r.Start, r.Length) : (0L, size);
        if (range is { } partial)
        {
            response.StatusCode = StatusCodes.Status206PartialContent;
            response.Headers.ContentRange = $"bytes {partial.Start}-{partial.End}/{size}";
        }
        response.ContentType = "application/octet-stream";
        response.ContentLength = length;
        if (context.Request.Method == "HEAD") return;
        // The link was checked above; content vanishing now means a concurrent garbage collection.
        await using var stream = await store.OpenBlobAsync(digest, offset, cancel) ?? throw RegistryError.BlobUnknown(reference);
        await CopyAsync(stream, response.Body, length, cancel);
    }

    public async Task DeleteAsync(HttpContext context, string name, string reference)
    {
        if (!options.DeleteEnabled) throw RegistryError.Unsupported("deletes are disabled on this registry");
        var digest = ParseDigest(reference);
        if (!await store.UnlinkBlobAsync(name, digest, context.RequestAborted)) throw RegistryError.BlobUnknown(reference);
        context.Response.StatusCode = StatusCodes.Status202Accepted;
        context.Response.ContentLength = 0;
    }

    public async Task StartUploadAsync(HttpContext context, string name)
    {
        var query = context.Request.Query;
        var cancel = context.RequestAborted;
        // end-4c: the algorithm the client will name at the end; only its support matters here.
        if (query["digest-algorithm"].FirstOrDefault() is { } algorithm && !RegistryDigests.Algorithms.Contains(algorithm))
            throw RegistryError.DigestInvalid($"unsupported digest algorithm \"{algorithm}\"");
        // A mount of a blob the source repository cannot see falls back to an ordinary upload session.
        if (query["mount"].FirstOrDefault() is { } mount && query["from"].FirstOrDefault() is { } from
            && RegistryDigests.TryParse(mount, out var mounted) && RepositoryName.IsValid(from) && await store.BlobSizeAsync(from, mounted, cancel) is not null)
        {
            await store.LinkBlobAsync(name, mounted, cancel);
            Created(context.Response, name, mounted);
            return;
        }
        if (query["digest"].FirstOrDefault() is { } digestValue)
        {
            var digest = await store.PutBlobAsync(name, context.Request.Body, ParseDigest(digestValue), cancel);
            Created(context.Response, name, digest);
            return;
        }
        var id = await store.Uploads.StartAsync(name, cancel);
        Accepted(context.Response, name, id, 0);
    }

    public async Task UploadStatusAsync(HttpContext context, string name, string id)
    {
        var size = await store.Uploads.SizeAsync(name, id, context.RequestAborted);
        Accepted(context.Response, name, id, size);
        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    public async Task PatchAsync(HttpContext context, string name, string id)
    {
        var range = HttpRanges.ParseContentRange(context.Request.Headers.ContentRange.ToString());
        using var _ = await store.Uploads.LockAsync(id, context.RequestAborted);
        try
        {
            var size = await store.Uploads.AppendAsync(name, id, context.Request.Body, range, context.Request.ContentLength, context.RequestAborted);
            Accepted(context.Response, name, id, size);
        }
        catch (RangeNotSatisfiableException)
        {
            // The client learns where to resume from the Location and Range of the 416.
            context.Response.Headers.Location = UploadLocation(name, id);
            throw;
        }
    }

    public async Task CompleteAsync(HttpContext context, string name, string id)
    {
        var cancel = context.RequestAborted;
        var digestValue = context.Request.Query["digest"].FirstOrDefault();
        var range = HttpRanges.ParseContentRange(context.Request.Headers.ContentRange.ToString());
        using var _ = await store.Uploads.LockAsync(id, cancel);
        // Ownership first, so an unknown upload is reported as such before any other complaint.
        await store.Uploads.DataPathAsync(name, id, cancel);
        if (digestValue is null) throw RegistryError.DigestInvalid("the digest query parameter is required");
        var digest = ParseDigest(digestValue);
        await store.Uploads.AppendAsync(name, id, context.Request.Body, range, context.Request.ContentLength, cancel);
        await store.CommitUploadAsync(name, id, digest, cancel);
        Created(context.Response, name, digest);
    }

    public async Task CancelAsync(HttpContext context, string name, string id)
    {
        using var _ = await store.Uploads.LockAsync(id, context.RequestAborted);
        await store.Uploads.DataPathAsync(name, id, context.RequestAborted);
        await store.Uploads.DeleteAsync(id, context.RequestAborted);
        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    internal static Digest ParseDigest(string value) =>
        RegistryDigests.TryParse(value, out var digest) ? digest : throw RegistryError.DigestInvalid($"invalid or unsupported digest \"{value}\"");

    private static async Task CopyAsync(Stream source, Stream target, long length, CancellationToken cancellationToken)
    {
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent((int)Math.Min(1 << 20, Math.Max(length, 1)));
        try
        {
            while (length > 0)
            {
                var n = await source.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, length)), cancellationToken);
                if (n == 0) throw new IOException("blob is shorter than its recorded size");
                await target.WriteAsync(buffer.AsMemory(0, n), cancellationToken);
                length -= n;
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static string UploadLocation(string name, string id) => $"/v2/{name}/blobs/uploads/{id}";

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
        response.Headers.Location = UploadLocation(name, id);
        response.Headers.Range = RegistryRouter.RangeHeader(size);
        response.Headers["Docker-Upload-UUID"] = id;
        response.ContentLength = 0;
    }
}
