using Berth.Core.Digests;

namespace Berth.Engine.Distribution.Progress;

/// <summary>
/// One line of docker's pull/push progress, in the engine's terms; the API layer renders it as a
/// JSON message. Per-layer lines carry <see cref="Id"/> (12 hex of a digest) and a detail object
/// (empty unless <see cref="Current"/> is set); summary lines ("Digest: …") carry neither.
/// </summary>
public sealed record ProgressUpdate(string Status, string? Id = null, long Current = 0, long Total = 0)
{
    /// <summary>Whether the line has a progressDetail object ({} when there are no counts), as dockerd's per-layer lines do.</summary>
    public bool HasDetail { get; init; }

    /// <summary>A push's final aux message {"Tag","Digest","Size"}.</summary>
    public PushedManifest? Pushed { get; init; }

    public static ProgressUpdate Layer(string id, string status, long current = 0, long total = 0) =>
        new(status, id, current, total) { HasDetail = true };

    public static ProgressUpdate Summary(string status) => new(status);
}

/// <summary>What a push of one tag put into the registry.</summary>
public sealed record PushedManifest(string Tag, Digest Digest, long Size);

/// <summary>Where a pull or push reports progress: the HTTP response stream, or nothing in tests.</summary>
public interface IProgressSink
{
    ValueTask ReportAsync(ProgressUpdate update, CancellationToken cancellationToken);
}

/// <summary>docker's progress IDs: the first 12 hex characters of a digest.</summary>
public static class ProgressIds
{
    public static string Of(Digest digest) => digest.Hex.Length > 12 ? digest.Hex[..12] : digest.Hex;
}
