using Berth.Core.Errors;

namespace Berth.Engine.Containers;

/// <summary>A --mount request (HostConfig.Mounts).</summary>
public sealed record MountRequest(string Type, string Source, string Target, bool ReadOnly, string? Propagation);

/// <summary>A mount of the container as inspect reports it and the runtime performs it.</summary>
public sealed record ContainerMount(string Type, string Source, string Destination, bool ReadOnly, string Mode, string Propagation);

/// <summary>
/// Docker's bind-mount rules: `-v /host:/ctr[:opts]` (Binds) and `--mount type=bind` (Mounts).
/// Named volumes and other mount types belong to the volumes work and are refused clearly.
/// </summary>
public static class ContainerMounts
{
    private static readonly HashSet<string> Propagations = ["shared", "slave", "private", "rshared", "rslave", "rprivate"];

    /// <summary>
    /// Validates a create request: the syntax (as <see cref="Resolve"/>) and, for --mount, that
    /// the source exists, as dockerd checks at create. InvalidParameterException with docker's wording.
    /// </summary>
    public static void Validate(ContainerHostConfig host)
    {
        foreach (var mount in host.Mounts ?? [])
            if (mount.Source.StartsWith('/') && !Directory.Exists(mount.Source) && !File.Exists(mount.Source))
                throw new InvalidParameterException($"invalid mount config for type \"bind\": bind source path does not exist: {mount.Source}");
        Resolve(host);
    }

    /// <summary>The mounts of a (validated) container: parsing only, no file system access.</summary>
    public static IReadOnlyList<ContainerMount> Resolve(ContainerHostConfig host)
    {
        var result = new List<ContainerMount>();
        foreach (var bind in host.Binds ?? []) result.Add(ParseBind(bind));
        foreach (var mount in host.Mounts ?? []) result.Add(FromRequest(mount));
        var duplicate = result.GroupBy(m => m.Destination).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new InvalidParameterException($"Duplicate mount point: {duplicate.Key}");
        return result;
    }

    private static ContainerMount ParseBind(string spec)
    {
        var parts = spec.Split(':');
        if (parts.Length is < 2 or > 3 || parts[0].Length == 0 || parts[1].Length == 0)
        {
            if (parts.Length == 1 && spec.StartsWith('/'))
                throw new InvalidParameterException($"anonymous volumes are not supported yet: \"{spec}\"");
            throw new InvalidParameterException($"invalid volume specification: '{spec}'");
        }
        var (source, target) = (parts[0], parts[1]);
        if (!source.StartsWith('/'))
            throw new InvalidParameterException($"named volumes are not supported yet (volume \"{source}\" in '{spec}')");
        if (!target.StartsWith('/'))
            throw new InvalidParameterException($"invalid volume specification: '{spec}': invalid mount config for type \"bind\": invalid mount path: '{target}' mount path must be absolute");
        var readOnly = false;
        var propagation = "rprivate";
        var mode = parts.Length == 3 ? parts[2] : "";
        foreach (var option in mode.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            if (option is "ro") readOnly = true;
            else if (option is "rw" or "z" or "Z" or "consistent" or "cached" or "delegated") { }
            else if (Propagations.Contains(option)) propagation = option;
            else throw new InvalidParameterException($"invalid mode: {option}");
        }
        return new ContainerMount("bind", Clean(source), Clean(target), readOnly, mode, propagation);
    }

    private static ContainerMount FromRequest(MountRequest mount)
    {
        if (mount.Type != "bind")
            throw new InvalidParameterException($"mount type \"{mount.Type}\" is not supported yet (only bind)");
        if (!mount.Source.StartsWith('/'))
            throw new InvalidParameterException($"invalid mount config for type \"bind\": invalid mount path: '{mount.Source}' mount path must be absolute");
        if (!mount.Target.StartsWith('/'))
            throw new InvalidParameterException($"invalid mount config for type \"bind\": invalid mount path: '{mount.Target}' mount path must be absolute");
        var propagation = string.IsNullOrEmpty(mount.Propagation) ? "rprivate" : mount.Propagation;
        if (!Propagations.Contains(propagation)) throw new InvalidParameterException($"invalid propagation mode: {propagation}");
        return new ContainerMount("bind", Clean(mount.Source), Clean(mount.Target), mount.ReadOnly, "", propagation);
    }

    private static string Clean(string path)
    {
        var full = Path.GetFullPath(path);
        return full.Length > 1 ? full.TrimEnd('/') : full;
    }
}
