package dev.hubtune.models.family;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The seam between families and the rest: heads, apps, exports, the family API and the building
 * blocks never name a family's package, so a new family needs no change outside its own.
 */
class FamilySeamTest {

    private static JavaClasses classes;

    @BeforeAll
    static void importClasses() {
        classes =
                new ClassFileImporter()
                        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                        .importPackages("dev.hubtune.models");
    }

    @Test
    void headsAppsExportsAndBlocksDoNotDependOnAFamily() {
        noClasses()
                .that()
                .resideInAnyPackage(
                        "dev.hubtune.models.heads..",
                        "dev.hubtune.models.apps..",
                        "dev.hubtune.models.export..",
                        "dev.hubtune.models.family..",
                        "dev.hubtune.models.nn..",
                        "dev.hubtune.models.decoding..",
                        "dev.hubtune.models.serving..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("dev.hubtune.models.bert..", "dev.hubtune.models.gpt2..")
                .because("families are found by model_type behind ModelFamily and Backbone")
                .check(classes);
    }

    @Test
    void familiesDoNotDependOnEachOther() {
        noClasses()
                .that()
                .resideInAPackage("dev.hubtune.models.bert..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("dev.hubtune.models.gpt2..")
                .check(classes);
        noClasses()
                .that()
                .resideInAPackage("dev.hubtune.models.gpt2..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("dev.hubtune.models.bert..")
                .check(classes);
    }

    @Test
    void buildingBlocksKnowNothingAboveThem() {
        noClasses()
                .that()
                .resideInAPackage("dev.hubtune.models.nn..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "dev.hubtune.models.family..",
                        "dev.hubtune.models.heads..",
                        "dev.hubtune.models.apps..")
                .check(classes);
    }
}
