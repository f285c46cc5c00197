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
/// </summary>
public sealed class BlobDownloads(IContentStore content)
{
    private sealed class Download
    {
        public readonly TaskCompletionSource Done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public readonly CancellationTokenSource Cancel = new();
        public event Action<long, bool>? Progress;
        public int Waiters;

        public void Report(long current, bool end) => Progress?.Invoke(current, end);
    }

    private readonly Dictionary<Digest, Download> _active = new();

    /// <summary>
    /// Ensures <paramref name="digest"/> is in the content store. Returns false when it already was
    /// (no request made). <paramref name="progress"/> gets the byte count and, at the end, true.
    /// </summary>
    public async Task<bool> FetchAsync(Digest digest, Func<CancellationToken, Task<HttpResponseMessage>> get, Action<long, bool> progress, CancellationToken cancellationToken)
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
            lock (_active) download.Progress -= progress;
        }
    }

    private void Leave(Download download)
    {
        lock (_active)
        {
            if (--download.Waiters == 0) download.Cancel.Cancel();
        }
    }

    private async Task RunAsync(Digest digest, Download download, Func<CancellationToken, Task<HttpResponseMessage>> get)
    {
        var token = download.Cancel.Token;
        try
        {
            using var response = await get(token);
            await using var body = await response.Content.ReadAsStreamAsync(token);
            await using var counted = new ProgressStream(body, download.Report);
            try
            {
                await content.WriteAsync(counted, digest, token);
            }
            catch (InvalidParameterException e) when (e.Data[ContentStore.ActualDigestKey] is not null)
            {
                throw new Berth.Core.Errors.SystemException($"filesystem layer verification failed for digest {digest}");
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
