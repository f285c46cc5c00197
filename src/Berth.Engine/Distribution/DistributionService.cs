using Berth.Content;
using Berth.Core.References;
using Berth.Engine.Distribution.Auth;
using Berth.Engine.Distribution.Progress;
using Berth.Engine.Distribution.Pull;
using Berth.Engine.Distribution.Push;
using Berth.Engine.Distribution.Transport;
using Berth.Engine.Images;
using Berth.Engine.Metadata;
using Berth.Layers;

namespace Berth.Engine.Distribution;

/// <summary>POST /images/create?fromImage=…: what to pull.</summary>
/// <param name="Platform">docker's --platform ("linux/arm64"), or null for the host's.</param>
public sealed record PullRequest(string FromImage, string? Tag, string? Platform, RegistryCredentials Credentials);

/// <summary>POST /images/{name}/push: what to push; a null tag pushes every tag of the repository.</summary>
public sealed record PushRequest(string Name, string? Tag, RegistryCredentials Credentials);

/// <summary>
/// The registry client side of berthd: pull (manifest → platform → config → layers, verified and
/// unpacked, then published), push (layers, config, manifest), and docker login's credential check.
/// </summary>
public sealed class DistributionService : IDistributionBackend, IDisposable
{
    public DistributionService(IContentStore content, ILayerStore layers, ImageService images, MetadataStore metadata, RegistryOptions options)
    {
        Content = content;
        Layers = layers;
        Images = images;
        Store = new DistributionStore(metadata);
        Options = options;
        Transport = new RegistryTransport(options);
        Downloads = new BlobDownloads(content);
    }

    public RegistryOptions Options { get; }
    internal IContentStore Content { get; }
    internal ILayerStore Layers { get; }
    internal ImageService Images { get; }
    internal DistributionStore Store { get; }
    internal RegistryTransport Transport { get; }
    internal TokenCache Tokens { get; } = new();
    internal BlobDownloads Downloads { get; }

    /// <summary>How many layers one pull or push transfers at once (dockerd's default is 3 for downloads, 5 for uploads).</summary>
    public int MaxConcurrentDownloads { get; init; } = 3;
    public int MaxConcurrentUploads { get; init; } = 5;

    /// <summary>
    /// Bytes per PATCH of a layer upload; 0 streams each layer in one PATCH, as dockerd does
    /// (a registry's OCI-Chunk-Min-Length still raises any smaller size).
    /// </summary>
    public long UploadChunkSize { get; init; }

    public Task PullAsync(PullRequest request, IProgressSink progress, CancellationToken cancellationToken) =>
        new ImagePuller(this).PullAsync(request, progress, cancellationToken);

    public Task PushAsync(PushRequest request, IProgressSink progress, CancellationToken cancellationToken) =>
        new ImagePusher(this).PushAsync(request, progress, cancellationToken);

    /// <summary>
    /// docker login: checks the credentials against the registry's /v2/ (through its basic or token
    /// auth). UnauthorizedException with dockerd's text when the registry refuses them.
    /// </summary>
    public async Task LoginAsync(RegistryCredentials credentials, CancellationToken cancellationToken)
    {
        var domain = LoginDomain(credentials.ServerAddress);
        var session = await RegistrySession.OpenAsync(Transport, Tokens, domain, credentials, pull: false, cancellationToken);
        bool accepted;
        try
        {
            accepted = await session.CheckLoginAsync(cancellationToken);
        }
        catch (Berth.Core.Errors.UnauthorizedException)
        {
            accepted = false;
        }
        if (!accepted)
            throw new Berth.Core.Errors.UnauthorizedException($"login attempt to {session.Url("v2/")} failed with status: 401 Unauthorized");
    }

    /// <summary>The registry a login names: docker's index address and empty mean Docker Hub; a URL is cut to its host.</summary>
    internal static string LoginDomain(string? serverAddress)
    {
        if (string.IsNullOrEmpty(serverAddress)) return ImageReference.DefaultDomain;
        var address = serverAddress;
        if (address.Contains("://", StringComparison.Ordinal) && Uri.TryCreate(address, UriKind.Absolute, out var uri)) address = uri.Authority;
        address = address.TrimEnd('/');
        var slash = address.IndexOf('/');
        if (slash >= 0) address = address[..slash];
        return address is "index.docker.io" or "registry-1.docker.io" or "docker.io" ? ImageReference.DefaultDomain : address;
    }

    public void Dispose() => Transport.Dispose();
}
