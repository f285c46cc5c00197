using Berth.Core.Errors;
using Berth.Engine.Images;

namespace Berth.Engine.Containers;

/// <summary>docker ps --filter: status, label, name, id, exited, ancestor.</summary>
public static class ContainerFilters
{
    private static readonly HashSet<string> Known = ["status", "label", "name", "id", "exited", "ancestor"];
    private static readonly HashSet<string> Statuses = ["created", "restarting", "running", "removing", "paused", "exited", "dead"];

    /// <summary>Refuses unknown filters before any container is looked at, as dockerd does.</summary>
    public static void Validate(IReadOnlyDictionary<string, IReadOnlyList<string>> filters)
    {
        foreach (var (key, values) in filters)
        {
            if (!Known.Contains(key)) throw new InvalidParameterException($"invalid filter '{key}'");
            if (key == "status")
                foreach (var value in values)
                    if (!Statuses.Contains(value)) throw new InvalidParameterException($"invalid filter 'status={value}'");
        }
    }

    /// <summary>Whether a container passes every filter; call <see cref="Validate"/> first.</summary>
    public static bool Matches(Container container, IReadOnlyDictionary<string, IReadOnlyList<string>> filters, IImageService images)
    {
        foreach (var (key, values) in filters)
        {
            if (values.Count == 0) continue;
            var match = key switch
            {
                "status" => values.Contains(container.State.Status),
                "label" => values.Any(v => MatchesLabel(container, v)),
                "name" => values.Any(v => container.Name.Contains(v.TrimStart('/'), StringComparison.Ordinal)),
                "id" => values.Any(v => container.Id.StartsWith(v, StringComparison.Ordinal)),
                "exited" => container.State.Status == ContainerStatus.Exited && values.Any(v => int.TryParse(v, out var code) && code == container.State.ExitCode),
                "ancestor" => values.Any(v => images.TryResolve(v)?.Id == container.ImageId),
                _ => true,
            };
            if (!match) return false;
        }
        return true;
    }

    private static bool MatchesLabel(Container container, string filter)
    {
        var labels = container.Config.Labels;
        if (labels is null) return false;
        var eq = filter.IndexOf('=');
        if (eq < 0) return labels.ContainsKey(filter);
        return labels.TryGetValue(filter[..eq], out var value) && value == filter[(eq + 1)..];
    }
}
