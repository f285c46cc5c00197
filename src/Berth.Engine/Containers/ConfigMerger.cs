using Berth.Core.Errors;
using Berth.Engine.Images;

namespace Berth.Engine.Containers;

/// <summary>The parts of an image's config that a new container inherits.</summary>
public sealed record ImageDefaults(
    IReadOnlyList<string>? Env,
    IReadOnlyList<string>? Cmd,
    IReadOnlyList<string>? Entrypoint,
    string? WorkingDir,
    string? User,
    IReadOnlyDictionary<string, string>? Labels,
    string? StopSignal,
    IReadOnlyDictionary<string, EmptyObject>? ExposedPorts,
    IReadOnlyDictionary<string, EmptyObject>? Volumes);

/// <summary>Docker's rules for merging a create request with the image's config (daemon/create.go, merge()).</summary>
public static class ConfigMerger
{
    public static ContainerConfig Merge(ContainerConfig requested, ImageDefaults image)
    {
        var merged = requested;

        // An explicit entrypoint discards the image's Cmd unless the request gives its own.
        if (requested.Entrypoint is null or [])
        {
            if (requested.Entrypoint is null)
                merged = merged with { Entrypoint = image.Entrypoint };
            if (requested.Cmd is null or [])
                merged = merged with { Cmd = image.Cmd };
        }

        merged = merged with
        {
            Env = MergeEnv(image.Env, requested.Env),
            WorkingDir = string.IsNullOrEmpty(requested.WorkingDir) ? image.WorkingDir ?? "" : requested.WorkingDir,
            User = string.IsNullOrEmpty(requested.User) ? image.User ?? "" : requested.User,
            Labels = MergeMaps(image.Labels, requested.Labels),
            StopSignal = requested.StopSignal ?? image.StopSignal,
            ExposedPorts = MergeMaps(image.ExposedPorts, requested.ExposedPorts),
            Volumes = MergeMaps(image.Volumes, requested.Volumes),
        };

        if ((merged.Entrypoint?.Count ?? 0) == 0 && (merged.Cmd?.Count ?? 0) == 0)
            throw new InvalidParameterException("No command specified");
        return merged;
    }

    /// <summary>Image variables first; a requested variable replaces the image's of the same name in place.</summary>
    public static IReadOnlyList<string>? MergeEnv(IReadOnlyList<string>? image, IReadOnlyList<string>? requested)
    {
        if (image is null or []) return requested;
        if (requested is null or []) return image;
        var result = new List<string>(image);
        foreach (var variable in requested)
        {
            var key = KeyOf(variable);
            var index = result.FindIndex(existing => KeyOf(existing) == key);
            if (index >= 0) result[index] = variable;
            else result.Add(variable);
        }
        return result;
    }

    private static string KeyOf(string variable)
    {
        var eq = variable.IndexOf('=');
        return eq < 0 ? variable : variable[..eq];
    }

    private static IReadOnlyDictionary<string, T>? MergeMaps<T>(IReadOnlyDictionary<string, T>? image, IReadOnlyDictionary<string, T>? requested)
    {
        if (image is null or { Count: 0 }) return requested;
        if (requested is null or { Count: 0 }) return image;
        var result = new Dictionary<string, T>(image);
        foreach (var (key, value) in requested) result[key] = value;
        return result;
    }
}
