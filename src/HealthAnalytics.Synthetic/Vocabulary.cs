using System.Globalization;
using System.Text;

namespace HealthAnalytics.Synthetic;

/// <summary>
/// Word lists for plausible French patient records. Every entry is pre-encoded to UTF-8 once so the
/// row writer copies bytes instead of allocating strings per row.
/// </summary>
internal static class Vocabulary
{
    public static readonly byte[][] FemaleFirstNames = Encode(
        "Marie", "Camille", "Léa", "Manon", "Chloé", "Inès", "Emma", "Jade", "Louise", "Alice",
        "Sarah", "Clémence", "Élodie", "Nathalie", "Isabelle", "Sylvie", "Catherine", "Françoise",
        "Monique", "Jacqueline", "Hélène", "Anne", "Christine", "Valérie", "Sandrine", "Aurélie",
        "Julie", "Céline", "Zoé", "Margaux", "Océane", "Agathe", "Geneviève", "Odette", "Yvette",
        "Fatima", "Amina", "Noémie", "Lucie", "Mathilde");

    public static readonly byte[][] MaleFirstNames = Encode(
        "Jean", "Pierre", "Michel", "André", "Philippe", "Alain", "Bernard", "Jacques", "Daniel",
        "Patrick", "Nicolas", "Christophe", "Stéphane", "Laurent", "Sébastien", "Julien", "Thomas",
        "Antoine", "Hugo", "Lucas", "Mathis", "Théo", "Raphaël", "Gabriel", "Louis", "Arthur",
        "François", "Gérard", "René", "Marcel", "Karim", "Mehdi", "Yannick", "Loïc", "Hervé",
        "Jérôme", "Benoît", "Olivier", "Maxime", "Noël");

    public static readonly byte[][] LastNames = Encode(
        "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy",
        "Moreau", "Simon", "Laurent", "Lefèbvre", "Michel", "Garcia", "David", "Bertrand", "Roux",
        "Vincent", "Fournier", "Morel", "Girard", "André", "Lefèvre", "Mercier", "Dupont", "Lambert",
        "Bonnet", "François", "Martinez", "Legrand", "Garnier", "Faure", "Rousseau", "Blanc",
        "Guérin", "Muller", "Henry", "Roussel", "Nicolas", "Perrin", "Morin", "Mathieu", "Clément",
        "Gauthier", "Dumont", "Lopez", "Fontaine", "Chevalier", "Robin", "Masson", "Sanchez",
        "Gérard", "Nguyen", "Boyer", "Denis", "Lemaire", "Duval", "Joly", "Gautier", "Roger",
        "Roche", "Roy", "Noël", "Meyer", "Lucas", "Meunier", "Jean", "Pérez", "Marchand", "Dufour",
        "Blanchard", "Marie", "Barbier", "Brun", "Dumas", "Brunet", "Schmitt", "Leroux", "Colin",
        "Fernandez", "Pierre", "Renard", "Arnaud", "Rolland", "Caron", "Aubert", "Giraud", "Leclerc",
        "Vidal", "Bourgeois", "Renaud", "Lemoine", "Picard", "Gaillard", "Philippe", "Leclercq",
        "Lacroix", "Fabre", "Dupuis", "Olivier", "Rodriguez", "Da Silva", "Hubert", "Louis",
        "Charles", "Guillot", "Rivière", "Le Gall", "Guillaume", "Adam", "Rey", "Moulin", "Gonzalez",
        "Berger", "Lecomte", "Ménard", "Fleury", "Deschamps", "Carpentier", "Julien", "Benoît",
        "Paris", "Maillard", "Marchal", "Aubry", "Vasseur", "Le Roux", "Renault", "Jacquet",
        "Collet", "Prévost", "Poirier", "Charpentier", "Royer", "Huet", "Baron", "Dupuy", "Pons",
        "Paul", "Laine", "Carré", "Breton", "Rémy", "Schneider", "Perrot", "Guyot", "Barré",
        "Marty", "Cousin", "O'Neill", "D'Almeida");

    public static readonly byte[][] Streets = Encode(
        "rue de la République", "avenue Jean Jaurès", "boulevard Victor Hugo", "rue Pasteur",
        "place de la Mairie", "rue des Écoles", "allée des Tilleuls", "chemin du Moulin",
        "impasse des Lilas", "rue Nationale", "rue du Général Leclerc", "avenue de la Gare",
        "rue Gambetta", "quai des Chartrons", "rue Saint-Michel", "rue de Verdun", "rue du Château",
        "avenue Foch", "rue Voltaire", "rue Émile Zola", "rue des Roses", "rue de la Paix",
        "boulevard de la Liberté", "rue Jules Ferry", "rue du Moulin", "route de Paris",
        "rue de l'Église", "rue des Jardins", "avenue des Pins", "rue Anatole France");

    public static readonly byte[][] EmailDomains = Encode(
        "example.fr", "example.com", "example.org", "mail.example", "exemple.fr");

    /// <summary>City, base postal code, INSEE commune number, and how many consecutive postal
    /// codes it spans (arrondissements), so postal codes vary beyond one per city.</summary>
    public static readonly City[] Cities =
    [
        new("Paris", 75001, 101, 20), new("Lyon", 69001, 381, 9), new("Marseille", 13001, 201, 16),
        new("Toulouse", 31000, 555, 1), new("Nice", 6000, 88, 1), new("Nantes", 44000, 109, 1),
        new("Strasbourg", 67000, 482, 1), new("Montpellier", 34000, 172, 1), new("Bordeaux", 33000, 63, 1),
        new("Lille", 59000, 350, 1), new("Rennes", 35000, 238, 1), new("Reims", 51100, 454, 1),
        new("Le Havre", 76600, 351, 1), new("Saint-Étienne", 42000, 218, 1), new("Toulon", 83000, 137, 1),
        new("Grenoble", 38000, 185, 1), new("Dijon", 21000, 231, 1), new("Angers", 49000, 7, 1),
        new("Nîmes", 30000, 189, 1), new("Villeurbanne", 69100, 266, 1), new("Clermont-Ferrand", 63000, 113, 1),
        new("Le Mans", 72000, 181, 1), new("Aix-en-Provence", 13090, 1, 1), new("Brest", 29200, 19, 1),
        new("Tours", 37000, 261, 1), new("Amiens", 80000, 21, 1), new("Limoges", 87000, 85, 1),
        new("Perpignan", 66000, 136, 1), new("Metz", 57000, 463, 1), new("Besançon", 25000, 56, 1),
        new("Orléans", 45000, 234, 1), new("Rouen", 76000, 540, 1), new("Caen", 14000, 118, 1),
        new("Nancy", 54000, 395, 1), new("Poitiers", 86000, 194, 1), new("Pau", 64000, 445, 1),
        new("La Rochelle", 17000, 300, 1), new("Annecy", 74000, 10, 1), new("Valence", 26000, 362, 1),
        new("Quimper", 29000, 232, 1),
    ];

    /// <summary>Lower-case ASCII form of a name for e-mail local parts (accents, spaces and
    /// apostrophes removed).</summary>
    public static byte[] EmailPart(byte[] utf8Name)
    {
        string decomposed = Encoding.UTF8.GetString(utf8Name).Normalize(NormalizationForm.FormD);
        var sb = new StringBuilder(decomposed.Length);
        foreach (char c in decomposed)
        {
            if (char.IsAsciiLetter(c))
            {
                sb.Append(char.ToLowerInvariant(c));
            }
            else if (c == '-')
            {
                sb.Append(c);
            }
        }

        return Encoding.ASCII.GetBytes(sb.ToString());
    }

    public static readonly byte[][] FemaleEmailParts = [.. FemaleFirstNames.Select(EmailPart)];
    public static readonly byte[][] MaleEmailParts = [.. MaleFirstNames.Select(EmailPart)];
    public static readonly byte[][] LastEmailParts = [.. LastNames.Select(EmailPart)];

    private static byte[][] Encode(params string[] values) => [.. values.Select(Encoding.UTF8.GetBytes)];
}

/// <param name="Name">City name as written in addresses.</param>
/// <param name="PostalCode">First postal code of the city.</param>
/// <param name="InseeCommune">Commune number (last three digits of the INSEE code), used in NIRs.</param>
/// <param name="PostalCodeCount">Consecutive postal codes (arrondissements) the city spans.</param>
internal sealed record City(string Name, int PostalCode, int InseeCommune, int PostalCodeCount)
{
    public byte[] Utf8Name { get; } = Encoding.UTF8.GetBytes(Name);

    /// <summary>The département (first two digits of the postal code), used in NIRs.</summary>
    public int Department => PostalCode / 1000;

}
