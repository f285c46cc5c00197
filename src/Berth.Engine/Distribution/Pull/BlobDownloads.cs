using Berth.Content;
using Berth.Core.Digests;
using Berth.Core.Errors;
using Berth.Engine.Distribution.Transport;

namespace Berth.Engine.Distribution.Pull;

/// <summary>
/// Blob downloads into the content store, shared by every pull that wants the same digest at the
/// same time (two clients pulling one image download each layer once). A download is verified
/// against its digest while it streams and committed only when it matches; it is cancelled only
/// when every pull waiting for it has gone. Blobs already in the content store are not fetched.
/// Network failures are retried, resuming by Range where the registry allows (ResumingBlobStream).
/// </summary>
public sealed class BlobDownloads(IContentStore content)
{
    private sealed class Download
    {
        public readonly TaskCompletionSource Done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public readonly CancellationTokenSource Cancel = new();
        public event Action<long, bool>? Progress;
        public event Action<string>? Status;
        public int Waiters;

        public void Report(long current, bool end) => Progress?.Invoke(current, end);
        public void Say(string status) => Status?.Invoke(status);
    }

    private readonly Dictionary<Digest, Download> _active = new();

    /// <summary>How often and how long a download that fails is retried (dockerd's 5 times, 5 s more each time).</summary>
    public RetryPolicy Retry { get; init; } = RetryPolicy.Default;

    /// <summary>
    /// Ensures <paramref name="digest"/> is in the content store. Returns false when it already was
    /// (no request made). <paramref name="get"/> fetches the blob from an offset (a Range request
    /// when it is not 0). <paramref name="progress"/> gets the byte count and, at the end, true;
    /// <paramref name="status"/> gets "Retrying in N seconds" while a failed download waits.
    /// </summary>
    public async Task<bool> FetchAsync(Digest digest, Func<long, CancellationToken, Task<HttpResponseMessage>> get, Action<long, bool> progress,
        CancellationToken cancellationToken, Action<string>? status = null)
    {
        if (content.Exists(digest)) return false;
        Download download;
        bool owner;
        lock (_active)
        {
            owner = !_active.TryGetValue(digest, out download!);
            if (owner)
            {
                download = new Download();
                _active[digest] = download;
            }
            download.Waiters++;
            download.Progress += progress;
            if (status is not null) download.Status += status;
        }
        if (owner) _ = Task.Run(() => RunAsync(digest, download, get));
        try
        {
            using (cancellationToken.Register(() => Leave(download)))
                await download.Done.Task.WaitAsync(cancellationToken);
            return true;
        }
        finally
        {
            lock (_active)
            {
                download.Progress -= progress;
                if (status is not null) download.Status -= status;
            }
        }
    }

    private void Leave(Download download)
    {
        lock (_active)
        {
            if (--download.Waiters == 0) download.Cancel.Cancel();
        }
    }

    private async Task RunAsync(Digest digest, Download download, Func<long, CancellationToken, Task<HttpResponseMessage>> get)
    {
        var token = download.Cancel.Token;
        try
        {
            var retries = new RetryState(Retry, download.Say);
            HttpResponseMessage? first = null;
            while (true)
            {
                try
                {
                    await using var body = await ResumingBlobStream.OpenAsync(get, retries, first, token);
                    await using var counted = new ProgressStream(body, download.Report);
                    await content.WriteAsync(counted, digest, token);
                    break;
                }
                catch (RestartException restart)
                {
                    // The registry cannot resume: a new write, verified from the first byte.
                    first = restart.Response;
                }
                catch (InvalidParameterException e) when (e.Data[ContentStore.ActualDigestKey] is not null)
                {
                    throw new SystemFailureException($"filesystem layer verification failed for digest {digest}");
                }
            }
            download.Done.TrySetResult();
        }
        catch (OperationCanceledException e)
        {
            download.Done.TrySetCanceled(e.CancellationToken);
        }
        catch (Exception e)
        {
            download.Done.TrySetException(e);
        }
        finally
        {
            lock (_active) _active.Remove(digest);
        }
    }
}
