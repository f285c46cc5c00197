namespace Berth.Registry.Api;

/// <summary>
/// What the API allows. <c>DeleteEnabled</c> mirrors distribution's <c>delete.enabled</c>: off by
/// default, so DELETE of manifests, tags and blobs answers 405 UNSUPPORTED until an operator opts in.
/// </summary>
public sealed record RegistryApiOptions(bool DeleteEnabled = false)
{
    /// <summary>Manifests larger than this are refused (distribution's default limit is also 4 MiB).</summary>
    public int MaxManifestBytes { get; init; } = 4 << 20;
}
